"""Sign-in in two steps (password, then one-time code), enrolment, sign-out and own account.

A person is signed in (django.contrib.auth.login) only after both factors; between the two
steps the session holds a short-lived "pending" marker and nothing else is reachable.
"""

import time
from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from backontrack.accounts.models import Authenticator
from backontrack.core.access import authenticated_user, signed_in_user

from . import services
from .forms import CodeForm, EnrolForm, LinkForm, PasswordChangeForm, SigninForm
from .models import SignInLink, User

PENDING = "signin_pending"
SIGNED_IN_AT = "signed_in_at"

LOCKED_MESSAGE = gettext_lazy(
    "Too many failed attempts to sign in as this user from this address. "
    "Sign-in is blocked for %(minutes)s minutes. If you need access sooner, "
    "ask your administrator to lift the block."
)


def _lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def _render_locked(request: HttpRequest) -> HttpResponse:
    form = SigninForm()
    return render(
        request,
        "accounts/signin.html",
        {"form": form, "locked": LOCKED_MESSAGE % {"minutes": _lockout_minutes()}},
        status=429,
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """Axes calls this when a sign-in is refused because of a lockout."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    return _render_locked(request)


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not pending:
        return None
    if time.time() - pending["since"] > settings.BACKONTRACK_PENDING_SIGNIN_SECONDS:
        del request.session[PENDING]
        return None
    return User.objects.filter(pk=pending["user_id"], is_active=True).first()


def _restart_signin(request: HttpRequest) -> HttpResponseRedirect:
    messages.info(request, _("Your sign-in took too long or was not started. Please start again."))
    return redirect("signin")


def _finish_signin(request: HttpRequest, user: User) -> str:
    """Both factors passed: sign in (which gives the session a new key) and start its clocks."""
    pending = request.session.pop(PENDING, {})
    login(request, user, backend="backontrack.accounts.backends.AccountBackend")
    services.signin_record(user=user)
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session["last_seen"] = now
    return pending.get("next") or reverse("home")


def _record_failure(request: HttpRequest, user: User) -> bool:
    """Count a wrong code or password against the user-and-address lockout. True if now
    locked."""
    credentials = {"username": user.username}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    locked = AxesProxyHandler.is_locked(request, credentials)
    services.signin_failure_record(
        username=user.username,
        locked=locked,
        detail=(request.resolver_match.url_name or "") if request.resolver_match else "",
    )
    return locked


def _is_deactivated(username: str, password: str) -> bool:
    """Told only to someone who gave the account's right password: a leaver learns why they
    cannot sign in, and nobody else learns that the account exists."""
    account = User.objects.filter(username=username, is_active=False).first()
    return account is not None and account.check_password(password)


@login_not_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if authenticated_user(request) is not None:
        return redirect("home")
    form = SigninForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            services.signin_failure_record(username=form.cleaned_data["username"], locked=True)
            return _render_locked(request)
        if user is None and _is_deactivated(
            form.cleaned_data["username"], form.cleaned_data["password"]
        ):
            services.signin_failure_record(
                username=form.cleaned_data["username"], detail="deactivated"
            )
            form.add_error(
                None,
                _(
                    "Your account is deactivated, so you cannot sign in. If you still work "
                    "with Back on Track, ask your administrator to reactivate it."
                ),
            )
        elif user is None:
            services.signin_failure_record(
                username=form.cleaned_data["username"], detail="password"
            )
            form.add_error(
                None,
                _(
                    "The user name or password is not right. Check them and try again. "
                    "After %(limit)s failed attempts, sign-in is blocked for %(minutes)s minutes."
                )
                % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": _lockout_minutes()},
            )
        else:
            request.session.cycle_key()
            request.session[PENDING] = {
                "user_id": user.pk,
                "since": time.time(),
                "next": _safe_next(request, request.GET.get("next")),
            }
            if Authenticator.objects.filter(user=user, confirmed=True).exists():
                return redirect("signin_code")
            if services.may_enrol_with_password(user):
                return redirect("signin_enrol")
            request.session.pop(PENDING, None)
            form.add_error(
                None,
                _(
                    "Your sign-in is not set up: set it up from the link in your e-mail, or "
                    "ask your administrator to send you a new link."
                ),
            )
    return render(request, "accounts/signin.html", {"form": form})


@login_not_required
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def signin_code(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return _restart_signin(request)
    if not Authenticator.objects.filter(user=user, confirmed=True).exists():
        return redirect("signin_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if AxesProxyHandler.is_locked(request, {"username": user.username}):
            return _render_locked(request)
        if services.verify_second_factor(user=user, token=form.cleaned_data["code"]):
            return redirect(_finish_signin(request, user))
        if _record_failure(request, user):
            request.session.pop(PENDING, None)
            return _render_locked(request)
        form.add_error(
            "code",
            _(
                "That code is not right or has expired. Enter the code your app shows now "
                "(codes change every 30 seconds), or a recovery code."
            ),
        )
    return render(request, "accounts/signin_code.html", {"form": form})


def _qr_data_uri(data: str) -> str:
    return str(segno.make(data, error="m").svg_data_uri(scale=8, border=2))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_not_required
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def signin_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in (or after an administrator reset the authenticator): set up the app."""
    user = _pending_user(request)
    if user is None:
        return _restart_signin(request)
    if Authenticator.objects.filter(user=user, confirmed=True).exists():
        return redirect("signin_code")
    pending = request.session[PENDING]
    device = services.totp_device_for_enrolment(user=user, device_id=pending.get("device_id"))
    if pending.get("device_id") != device.pk:
        pending["device_id"] = device.pk
        request.session.modified = True
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if AxesProxyHandler.is_locked(request, {"username": user.username}):
            return _render_locked(request)
        codes = services.totp_enrol_confirm(
            user=user, device=device, token=form.cleaned_data["code"].replace(" ", "")
        )
        if codes is not None:
            next_url = _finish_signin(request, user)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next_url": next_url, "first_time": True},
            )
        if _record_failure(request, user):
            request.session.pop(PENDING, None)
            return _render_locked(request)
        form.add_error(
            "code",
            _(
                "That code does not match. Check that you scanned the QR code or typed the key "
                "exactly, then enter the code your app shows now."
            ),
        )
    secret = device.secret_base32
    return render(
        request,
        "accounts/signin_enrol.html",
        {
            "form": form,
            "qr_data_uri": _qr_data_uri(device.config_url),
            "secret": _grouped(secret),
            "username": user.username,
        },
    )


SIGNIN_LINK = "signin_link"


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link from the e-mail. Opening it (GET) changes nothing, so that a mail
    scanner that follows links cannot spend it; Continue (POST) claims it for this browser
    for half an hour, and the session keeps only the link's number, never the token."""
    link = services.signin_link_find(token)
    if link is None:
        return render(request, "accounts/signin_link_invalid.html", status=404)
    if authenticated_user(request) is not None:
        return render(request, "accounts/signin_link_sign_out_first.html")
    if request.method == "POST":
        request.session.cycle_key()
        request.session.pop(PENDING, None)
        if services.signin_link_claim(link=link, session_key=request.session.session_key or ""):
            request.session[SIGNIN_LINK] = link.pk
            return redirect("signin_link_continue")
        return render(request, "accounts/signin_link_invalid.html", status=404)
    return render(request, "accounts/signin_link_open.html", {"username": link.user.username})


def _claimed_link(request: HttpRequest) -> SignInLink | None:
    link_id = request.session.get(SIGNIN_LINK)
    if not isinstance(link_id, int):
        return None
    return services.signin_link_claimed(
        link_id=link_id, session_key=request.session.session_key or ""
    )


@login_not_required
@sensitive_post_parameters("code", "current_password", "new_password", "new_password_again")
@never_cache
@require_http_methods(["GET", "POST"])
def signin_link_continue(request: HttpRequest) -> HttpResponse:
    """What the link asks for follows from what the person still has: with an authenticator,
    its code and a new password; with a password but no authenticator (a lost phone), that
    password, then a new authenticator; with neither (a new account, an approved full
    reset), a new password, then an authenticator. A mailbox alone never replaces what an
    account already has."""
    link = _claimed_link(request)
    if link is None:
        request.session.pop(SIGNIN_LINK, None)
        return render(request, "accounts/signin_link_invalid.html", status=404)
    user = link.user
    step = services.signin_link_step(user)
    form = LinkForm(request.POST or None, user=user, step=step)
    if request.method == "POST" and form.is_valid():
        if AxesProxyHandler.is_locked(request, {"username": user.username}):
            return _render_locked(request)
        if not _link_proof_holds(step, user, form):
            if _record_failure(request, user):
                request.session.pop(SIGNIN_LINK, None)
                return _render_locked(request)
            field = "code" if step == services.LinkStep.WITH_CODE else "current_password"
            form.add_error(field, _("That is not right. Check it and try again."))
        else:
            try:
                services.signin_link_use(
                    link=link, new_password=form.cleaned_data.get("new_password")
                )
            except services.AccountRefused:
                request.session.pop(SIGNIN_LINK, None)
                return render(request, "accounts/signin_link_invalid.html", status=404)
            request.session.pop(SIGNIN_LINK, None)
            request.session[PENDING] = {"user_id": user.pk, "since": time.time(), "next": None}
            if step == services.LinkStep.WITH_CODE:
                return redirect(_finish_signin(request, user))
            return redirect("signin_enrol")
    return render(
        request,
        "accounts/signin_link.html",
        {"form": form, "link": link, "username": user.username, "step": step},
    )


def _link_proof_holds(step: str, user: User, form: LinkForm) -> bool:
    if step == services.LinkStep.WITH_CODE:
        return services.verify_second_factor(user=user, token=form.cleaned_data["code"])
    if step == services.LinkStep.WITH_CURRENT:
        return user.check_password(form.cleaned_data["current_password"])
    return True


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    services.signout_record(user=request.user)
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("signin")


@never_cache
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "profile_user": user,
        "recovery_codes_left": user.recovery_codes.filter(used_at__isnull=True).count(),
        "device": Authenticator.objects.filter(user=user, confirmed=True).first(),
    }
    return render(request, "accounts/account.html", context)


@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = PasswordChangeForm(request.POST or None, user=user)
    if request.method == "POST":
        # Someone at an unattended, signed-in screen must not be able to guess the password.
        locked = AxesProxyHandler.is_locked(request, {"username": user.username})
        if not locked and not form.is_valid() and "current_password" in form.errors:
            locked = _record_failure(request, user)
        if locked:
            logout(request)
            return _render_locked(request)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=user, new_password=form.cleaned_data["new_password"])
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("account")
    return render(request, "accounts/password_change.html", {"form": form})


@never_cache
@require_POST
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    codes = services.recovery_codes_regenerate(user=user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next_url": reverse("account"), "first_time": False},
    )
