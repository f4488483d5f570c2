"""Pages for administrators: users, organisations and institutions. No case data here."""

from smtplib import SMTPException

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from backontrack.core import form_tokens
from backontrack.core.access import can_administer_accounts, require, signed_in_user
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.core.saving import save_or_say_why
from backontrack.mentors.selectors import open_caseload_counts

from . import services
from .forms import InstitutionForm, OrganisationForm, UserForm, UserSearchForm
from .models import AccountRequest, Institution, Organisation, Role, User
from .selectors import account_shown, users_found

PAGE_SIZE = 25


def _admin(request: HttpRequest) -> User:
    user = signed_in_user(request)
    require(can_administer_accounts(user))
    return user


def _page(request: HttpRequest, queryset: QuerySet) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@require_http_methods(["GET"])
def user_list(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    search = UserSearchForm(request.GET or None)
    page = users_found(actor, search, request.GET.get("page"))
    return render(
        request,
        "accounts/admin/user_list.html",
        {"page": page, "search": search, "querystring": _querystring_without_page(request)},
    )


def _querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _link_sent_message(request: HttpRequest, subject: User) -> None:
    messages.success(
        request,
        _(
            "A one-time sign-in link was e-mailed to %(email)s. It works for %(hours)s hours; "
            "you do not see it, and nobody can sign in as %(user)s without it."
        )
        % {
            "email": subject.email,
            "hours": settings.BACKONTRACK_SIGNIN_LINK_HOURS,
            "user": subject,
        },
    )


def _pending_message(request: HttpRequest, subject: User) -> None:
    waiting = list(
        subject.account_requests.filter(status=AccountRequest.Status.PENDING).order_by("id")
    )
    if waiting:
        messages.info(
            request,
            _("Waiting for a second person's approval: %(changes)s.")
            % {"changes": "; ".join(request_.describe() for request_ in waiting)},
        )
    if waiting and not subject.signin_links.exists():
        messages.info(
            request,
            _(
                "%(user)s gets their sign-in link at %(email)s when the first role is "
                "approved: the approver confirms the person and the address."
            )
            % {"user": subject, "email": subject.email},
        )


@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    form = UserForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with form_tokens.spend(form, actor=actor) as spending:
                user = services.user_create(
                    actor=actor,
                    username=data["username"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    organisation=data["organisation"],
                    roles=data["roles"],
                    language=data["language"] or settings.LANGUAGE_CODE,
                )
                spending.made(reverse("user_detail", args=[user.pk]))
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        except (OSError, SMTPException):
            form.add_error("email", str(EMAIL_FAILED))
        else:
            messages.success(request, _("The account of %(user)s is created.") % {"user": user})
            if user.signin_links.exists():
                _link_sent_message(request, user)
            _pending_message(request, user)
            return redirect("user_detail", pk=user.pk)
    return render(request, "accounts/admin/user_form.html", {"form": form, "subject": None})


EMAIL_FAILED = gettext_lazy(
    "The e-mail with the sign-in link could not be sent, so nothing was saved. Check the "
    "address, or ask IT whether the mail server is reachable, and try again."
)


@require_http_methods(["GET"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    shown = account_shown(actor, pk)
    context = {
        "subject": shown.subject,
        "recovery_codes_left": shown.recovery_codes_left,
        "latest_link": shown.latest_link,
        "requests": shown.requests,
        "waiting_roles": [
            Role(item.role).label
            for item in shown.requests
            if item.status == AccountRequest.Status.PENDING and item.role
        ],
    }
    return render(request, "accounts/admin/user_detail.html", context)


@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    subject = get_object_or_404(User.objects.prefetch_related("role_grants"), pk=pk)
    form = UserForm(request.POST or None, actor=actor, instance=subject)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=actor,
                user=subject,
                version=data["version"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                organisation=data["organisation"],
                roles=data["roles"],
                language=data["language"] or None,
                person_key=data["person_key"],
            )
        except services.AccountRefused as error:
            form.add_error("email", str(error))
        except ConcurrentEditError:
            form = UserForm(
                actor=actor, instance=User.objects.prefetch_related("role_grants").get(pk=pk)
            )
            messages.error(request, str(UserForm.concurrent_edit_message))
        else:
            messages.success(request, _("The changes to %(user)s are saved.") % {"user": subject})
            _pending_message(request, subject)
            return redirect("user_detail", pk=subject.pk)
    return render(request, "accounts/admin/user_form.html", {"form": form, "subject": subject})


USER_ACTIONS = {
    "send-link": {
        "title": gettext_lazy("Send a new sign-in link"),
        "explanation": gettext_lazy(
            "For a person who has not set up their account yet, or whose link expired. A new "
            "one-time link is e-mailed to their own address and any earlier link stops "
            "working. You do not see the link."
        ),
        "button": gettext_lazy("Send a new link"),
    },
    "reset-password": {
        "title": gettext_lazy("Send a link to choose a new password"),
        "explanation": gettext_lazy(
            "For a forgotten password. The current password stops working at once, and the "
            "person gets a one-time link at their own e-mail address to choose a new one; the "
            "link asks for the code from their authenticator app too. You do not see the link "
            "or the password."
        ),
        "button": gettext_lazy("Send the link"),
    },
    "full-reset": {
        "title": gettext_lazy("Reset password and authenticator"),
        "explanation": gettext_lazy(
            "Only when the person has lost both their phone and their password, so that "
            "nothing they still have can prove them. A second person who knows them approves "
            "(a coordinator, for accounts that read cases; otherwise another administrator); "
            "then the person gets a one-time link at their own e-mail address to set up "
            "sign-in again. You do not see the link."
        ),
        "button": gettext_lazy("Ask for the reset"),
    },
    "reset-authenticator": {
        "title": gettext_lazy("Reset the authenticator"),
        "explanation": gettext_lazy(
            "Use this when the person has lost the phone with their authenticator app. Their "
            "authenticator and recovery codes stop working at once, and they get a one-time "
            "link at their own e-mail address to set up the app again; the link asks for their "
            "password, so a mailbox alone is not enough. You do not see the link."
        ),
        "button": gettext_lazy("Reset the authenticator"),
    },
    "unlock": {
        "title": gettext_lazy("Lift the sign-in block"),
        "explanation": gettext_lazy(
            "After too many failed attempts, sign-in is blocked for this user name. Lift the "
            "block only when you are sure the attempts were the person's own."
        ),
        "button": gettext_lazy("Lift the block"),
    },
    "deactivate": {
        "title": gettext_lazy("Deactivate the account"),
        "explanation": gettext_lazy(
            "For a person who has left. They can no longer sign in, and any session they have "
            "open ends at their next click. The account and its history are kept; you can "
            "reactivate it later."
        ),
        "button": gettext_lazy("Deactivate"),
    },
    "reactivate": {
        "title": gettext_lazy("Reactivate the account"),
        "explanation": gettext_lazy("The person can sign in again with their password and app."),
        "button": gettext_lazy("Reactivate"),
    },
}


def _send_link(actor: User, subject: User, action: str) -> None:
    if action == "reset-password":
        services.user_reset_password(actor=actor, user=subject)
    elif action == "reset-authenticator":
        services.user_reset_authenticator(actor=actor, user=subject)
    else:
        services.signin_link_resend(actor=actor, user=subject)


@require_http_methods(["GET", "POST"])
def user_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = _admin(request)
    require(action in USER_ACTIONS)
    subject = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        if action == "full-reset":
            try:
                services.user_full_reset_request(actor=actor, user=subject)
            except services.AccountRefused as error:
                messages.error(request, str(error))
            else:
                _pending_message(request, subject)
            return redirect("user_detail", pk=subject.pk)
        if action in {"send-link", "reset-password", "reset-authenticator"}:
            try:
                _send_link(actor, subject, action)
            except services.AccountRefused as error:
                messages.error(request, str(error))
            except (OSError, SMTPException):
                messages.error(request, str(EMAIL_FAILED))
            else:
                _link_sent_message(request, subject)
            return redirect("user_detail", pk=subject.pk)
        if action == "unlock":
            services.user_unlock(actor=actor, user=subject)
            messages.success(request, _("%(user)s can sign in again.") % {"user": subject})
        elif action in {"deactivate", "reactivate"}:
            try:
                services.user_set_active(actor=actor, user=subject, active=action == "reactivate")
            except ValueError:
                messages.error(request, _("You cannot deactivate your own account."))
            else:
                messages.success(
                    request,
                    _("%(user)s is deactivated.") % {"user": subject}
                    if action == "deactivate"
                    else _("%(user)s is active again.") % {"user": subject},
                )
        return redirect("user_detail", pk=subject.pk)
    # A leaver's open mentorships, as numbers only: the administrator sees no case data.
    mentoring, coaching = open_caseload_counts(subject) if action == "deactivate" else (0, 0)
    return render(
        request,
        "accounts/admin/user_action.html",
        {
            "subject": subject,
            "action": action,
            "mentoring": mentoring,
            "coaching": coaching,
            **USER_ACTIONS[action],
        },
    )


@require_http_methods(["GET"])
def organisation_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    organisations = Organisation.objects.annotate(
        user_count=Count("users", distinct=True),
        institution_count=Count("institutions", distinct=True),
    ).order_by("name")
    return render(
        request, "accounts/admin/organisation_list.html", {"page": _page(request, organisations)}
    )


@require_http_methods(["GET", "POST"])
def organisation_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _admin(request)
    organisation = get_object_or_404(Organisation, pk=pk) if pk is not None else None
    form = OrganisationForm(request.POST or None, instance=organisation)

    def latest() -> HttpResponse:
        # Show the latest version, so that the change can be made again on top of it.
        if organisation is not None:
            organisation.refresh_from_db()
        again = OrganisationForm(instance=organisation)
        return render(
            request,
            "accounts/admin/organisation_form.html",
            {"form": again, "organisation": organisation},
        )

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.organisation_save(
                actor=actor,
                organisation=organisation,
                version=data.get("version") or 0,
                name=data["name"],
                kind=data["kind"],
                is_active=data["is_active"],
            ),
            then=reverse("organisation_list"),
            said=lambda saved: _("%(name)s is saved.") % {"name": saved.name},
            stale_shows=latest,
        )
        if done is not None:
            return done
    return render(
        request,
        "accounts/admin/organisation_form.html",
        {"form": form, "organisation": organisation},
    )


@require_http_methods(["GET"])
def institution_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    institutions = Institution.objects.select_related("organisation").order_by("name")
    return render(
        request, "accounts/admin/institution_list.html", {"page": _page(request, institutions)}
    )


@require_http_methods(["GET", "POST"])
def institution_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _admin(request)
    institution = get_object_or_404(Institution, pk=pk) if pk is not None else None
    form = InstitutionForm(request.POST or None, instance=institution)

    def latest() -> HttpResponse:
        # Show the latest version, so that the change can be made again on top of it.
        if institution is not None:
            institution.refresh_from_db()
        again = InstitutionForm(instance=institution)
        return render(
            request,
            "accounts/admin/institution_form.html",
            {"form": again, "institution": institution},
        )

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.institution_save(
                actor=actor,
                institution=institution,
                version=data.get("version") or 0,
                name=data["name"],
                kind=data["kind"],
                region=data["region"],
                organisation=data["organisation"],
                is_active=data["is_active"],
            ),
            then=reverse("institution_list"),
            said=lambda saved: _("%(name)s is saved.") % {"name": saved.name},
            stale_shows=latest,
        )
        if done is not None:
            return done
    return render(
        request,
        "accounts/admin/institution_form.html",
        {"form": form, "institution": institution},
    )
