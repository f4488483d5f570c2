from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backontrack.core.access import signed_in_user

from . import selectors


def home(request: HttpRequest) -> HttpResponse:
    """One home page per role; a person with several roles sees a section for each."""
    context = selectors.home_page(signed_in_user(request))
    return render(request, "home/home.html", context)
