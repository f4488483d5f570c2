from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .access import authenticated_user, navigation_for
from .models import Installation


def shell(request: HttpRequest) -> dict[str, object]:
    """What the page shell needs: the demo banner and the navigation for this user."""
    return {
        "is_demo": SimpleLazyObject(Installation.current_is_demo),
        "navigation": SimpleLazyObject(lambda: navigation_for(authenticated_user(request))),
    }
