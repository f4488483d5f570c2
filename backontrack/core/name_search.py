"""Name searches by POST, remembered in the session (Post/Redirect/Get), so that a person's
name never stands in a page address, and so never in a proxy's or web server's access log.
The filters that name no one (status, institution, region, page) stay in the address."""

from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

NAME = "q"


def _session_key(view_name: str) -> str:
    return f"name_search:{view_name}"


def search_data(request: HttpRequest, view_name: str) -> dict[str, str] | None:
    """The filter form's data for a GET: the address's filters and the remembered name (any
    name in the address itself is ignored)."""
    data: dict[str, str] = {
        key: str(value) for key, value in request.GET.items() if key not in (NAME, "page")
    }
    if name := request.session.get(_session_key(view_name), ""):
        data[NAME] = name
    return data or None


def remember_and_redirect(
    request: HttpRequest, view_name: str, form: forms.Form
) -> HttpResponse | None:
    """For a valid POSTed filter form: keep the name in the session and go to the list with
    the other filters in the address. None when the form is not valid (show its errors)."""
    if not form.is_valid():
        return None
    name = form.cleaned_data.get(NAME, "").strip()
    if name:
        request.session[_session_key(view_name)] = name
    else:
        request.session.pop(_session_key(view_name), None)
    others = {
        key: value
        for key, value in request.POST.items()
        if key in form.fields and key != NAME and value
    }
    address = reverse(view_name)
    return redirect(f"{address}?{urlencode(others)}" if others else address)
