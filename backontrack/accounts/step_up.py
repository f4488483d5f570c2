"""Step-up: before a weighty act (approving a disclosure) the person gives their password and
a fresh one-time code again. The checks are sign-in's own: the same backends and lockout
(django-axes counts each failure against the user and address), the same code check with
its replay guard and throttling, so a code already used at sign-in is not accepted again."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .models import User

# A proof is spent on the act it was given for, straight away.
PROOF_SECONDS = 60


@dataclass(frozen=True)
class SteppedUp:
    """The person gave both factors again at `at` (passed to the service that needs it)."""

    user_id: int
    at: datetime

    def holds_for(self, user: User) -> bool:
        return self.user_id == user.pk and timezone.now() - self.at < timedelta(
            seconds=PROOF_SECONDS
        )


class StepUpFailed(Exception):
    """The password or the code was not right, or sign-in is blocked; the message says so."""


def _failed(request: HttpRequest, user: User, detail: str) -> StepUpFailed:
    credentials = {"username": user.username}
    if detail == "step_up_code":
        # A wrong password is counted by authenticate() itself.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    locked = AxesProxyHandler.is_locked(request, credentials)
    services.signin_failure_record(username=user.username, locked=locked, detail=detail)
    if locked:
        return StepUpFailed(
            _(
                "Too many failed attempts: your sign-in is blocked for a while. Ask your "
                "administrator to lift the block if it cannot wait."
            )
        )
    return StepUpFailed(
        _(
            "Your password or the one-time code is not right. Enter your password and the code "
            "your app shows now (a code used before is not accepted again)."
        )
    )


def step_up(request: HttpRequest, *, user: User, password: str, code: str) -> SteppedUp:
    """Both factors again, or StepUpFailed."""
    if AxesProxyHandler.is_locked(request, {"username": user.username}):
        raise _failed(request, user, "step_up_locked")
    checked = authenticate(request, username=user.username, password=password)
    if checked is None or checked.pk != user.pk:
        raise _failed(request, user, "step_up_password")
    if not services.verify_second_factor(user=user, token=code):
        raise _failed(request, user, "step_up_code")
    return SteppedUp(user_id=user.pk, at=timezone.now())
