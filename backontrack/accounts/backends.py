from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User


class AccountBackend(ModelBackend):
    """Django's model backend, loading the signed-in user with their organisation and roles
    in two queries once per request, instead of one query each time a page asks."""

    def get_user(self, user_id: Any) -> User | None:
        user = (
            User.objects.select_related("organisation")
            .prefetch_related("role_grants")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
