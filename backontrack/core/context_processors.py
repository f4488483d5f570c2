from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject

from .access import authenticated_user, navigation_for
from .models import Installation


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    current: bool


def _navigation(request: HttpRequest) -> list[NavLink]:
    """The user's navigation with each address worked out here once, not by a `{% url %}`
    and two comparisons of the template's for every item of every page."""
    links = []
    for item in navigation_for(authenticated_user(request)):
        url = reverse(item.url_name)
        links.append(NavLink(url, item.label, request.path == url))
    return links


def shell(request: HttpRequest) -> dict[str, object]:
    """What the page shell needs: the demo banner and the navigation for this user."""
    return {
        "is_demo": SimpleLazyObject(Installation.current_is_demo),
        "navigation": SimpleLazyObject(lambda: _navigation(request)),
    }
