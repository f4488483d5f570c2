"""The mentee register: list and search, register, view, edit, custody events.

Mentees are loaded only through the access policy (core.access) and the register's
selectors, which record what each page showed; not-found and not-allowed both answer 404."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from backontrack.accounts.models import User
from backontrack.core import access, dates, name_search
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.core.forms import is_database_id
from backontrack.core.saving import save_or_say_why
from backontrack.mentorships.models import ONGOING, MentorshipStatus
from backontrack.programmes.switch import programme_switch
from backontrack.referrals import services as referral_services

from . import selectors, services
from .forms import (
    ConsentForm,
    ConsentWithdrawForm,
    CustodyEventForm,
    MenteeForm,
    MenteeSearchForm,
    PersonalIdSearchForm,
)
from .models import Mentee


def _coordinator(request: HttpRequest) -> User:
    user = access.signed_in_user(request)
    access.require(access.can_manage_mentees(user))
    return user


@sensitive_post_parameters("id-personal_id", "q")
@require_http_methods(["GET", "POST"])
def mentee_list(request: HttpRequest) -> HttpResponse:
    """The register. Institution and status filter by GET; the name and the personal ID
    number are searched by POST so that they never appear in an address or a server log."""
    user = _coordinator(request)
    by_id = request.method == "POST" and "id-personal_id" in request.POST
    id_form = PersonalIdSearchForm(request.POST if by_id else None, prefix="id")
    if by_id and id_form.is_valid():
        found = selectors.mentee_with_personal_id(user, id_form.cleaned_data["personal_id"])
        if found is not None:
            return redirect("mentee_detail", pk=found.pk)
        messages.info(request, _("No mentee has this personal identification number."))
        return redirect("mentee_list")

    if request.method == "POST" and not by_id:
        search = MenteeSearchForm(request.POST)
        done = name_search.remember_and_redirect(request, "mentee_list", search)
        if done is not None:
            return done
    else:
        search = MenteeSearchForm(name_search.search_data(request, "mentee_list"))
    criteria = search.cleaned_data if search.is_valid() else {}
    switch = programme_switch(request, access.programmes_coordinated_by(user))
    page = selectors.register_page(
        user, {**criteria, "programme": switch.chosen}, request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    params.pop(name_search.NAME, None)
    return render(
        request,
        "mentees/mentee_list.html",
        {
            "page": page,
            "switch": switch,
            "search": search,
            "id_form": id_form,
            "querystring": params.urlencode(),
        },
    )


def _duplicate_message(user: User, form: MenteeForm, existing: Mentee) -> None:
    if not access.mentees_visible_to(user).filter(pk=existing.pk).exists():
        # Another programme's person: not named, not linked. A referral brings them in.
        form.add_error(
            "personal_id",
            _(
                "This person is already in the register, in a programme you do not "
                "coordinate. To work with them in yours, refer them (Refer a person): the "
                "referral is added to their record and you will see it."
            ),
        )
        return
    form.add_error(
        "personal_id",
        _(
            "A mentee with this personal identification number is registered already. "
            "Open the existing record instead of creating a second one."
        ),
    )
    form.existing = selectors.duplicate_shown(user, existing)  # type: ignore[attr-defined]


@sensitive_post_parameters("personal_id", "notes")
@require_http_methods(["GET", "POST"])
def mentee_create(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    form = MenteeForm(request.POST or None, programmes=access.programmes_coordinated_by(user))
    if request.method == "POST" and form.is_valid():
        try:
            done = save_or_say_why(
                request,
                form,
                lambda: services.mentee_create(
                    actor=user, data=form.mentee_data(), programme=form.registered_in()
                ),
                then=lambda mentee: reverse("mentee_detail", args=[mentee.pk]),
                said=lambda mentee: _("%(name)s is registered.") % {"name": mentee},
            )
        except services.DuplicatePerson as duplicate:
            _duplicate_message(user, form, duplicate.existing)
        else:
            if done is not None:
                return done
    return render(request, "mentees/mentee_form.html", {"form": form, "mentee": None})


@require_http_methods(["GET"])
def mentee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    shown = selectors.mentee_record(user, pk)
    return render(
        request,
        "mentees/mentee_detail.html",
        {
            "mentee": shown.mentee,
            "custody_events": shown.custody_events,
            "consents": shown.consents,
            "referrals": shown.referrals,
            "mentorships": shown.mentorships,
            "closed": MentorshipStatus.CLOSED,
            "disclosures": shown.disclosures,
        },
    )


@sensitive_post_parameters("personal_id", "notes")
@require_http_methods(["GET", "POST"])
def mentee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Not through save_or_say_why: after someone else's change this page shows the form
    again with the latest values at once (there is no token to spend), where the helper
    would send the person elsewhere."""
    user = _coordinator(request)
    mentee = access.mentee_for(user, pk)
    form = MenteeForm(request.POST or None, instance=mentee)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentee_update(
                actor=user,
                mentee=mentee,
                version=form.cleaned_data["version"],
                data=form.mentee_data(),
            )
        except services.DuplicatePerson as duplicate:
            _duplicate_message(user, form, duplicate.existing)
        except ConcurrentEditError:
            mentee = access.mentee_for(user, pk)
            form = MenteeForm(instance=mentee)
            messages.error(request, str(MenteeForm.concurrent_edit_message))
        else:
            messages.success(request, _("The changes to %(name)s are saved.") % {"name": mentee})
            return redirect("mentee_detail", pk=mentee.pk)
    # Whatever the form shows now (stored values, or the latest after a conflict) is a look.
    selectors.mentee_shown(user, mentee, list(services.EDITABLE_FIELDS))
    return render(request, "mentees/mentee_form.html", {"form": form, "mentee": mentee})


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def custody_event_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    mentee = access.mentee_for(user, pk)
    form = CustodyEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ongoing = access.mentorships_visible_to(user).filter(mentee=mentee, status__in=ONGOING)
        before = {m.pk: m.phase for m in ongoing}
        try:
            done = save_or_say_why(
                request,
                form,
                lambda: services.custody_event_record(
                    actor=user,
                    mentee=mentee,
                    kind=data["kind"],
                    occurred_on=data["occurred_on"],
                    institution=data["institution"],
                    note=data["note"],
                ),
                then=reverse("mentee_detail", args=[mentee.pk]),
                said=_("The custody event is recorded."),
            )
        except dates.DateOutOfRange as problem:
            # Only the service knows the person's date of birth.
            form.add_error("occurred_on", str(problem))
        else:
            if done is not None:
                for mentorship in ongoing.all():
                    if before.get(mentorship.pk) != mentorship.phase:
                        messages.info(
                            request,
                            _("The mentorship's phase is now: %(phase)s.")
                            % {"phase": mentorship.get_phase_display()},
                        )
                return done
    selectors.mentee_shown(user, mentee, ["first_name", "last_name"])
    return render(request, "mentees/custody_event_form.html", {"form": form, "mentee": mentee})


def _after_consent(user: User, mentee: Mentee, referral_id: str) -> str:
    """Coming from a referral's Accept page: go back there, the obvious next step."""
    if is_database_id(referral_id):
        referral = access.referrals_visible_to(user).filter(pk=referral_id, mentee=mentee).first()
        if referral is not None:
            return reverse("referral_accept", args=[referral.pk])
    return reverse("mentee_detail", args=[mentee.pk])


@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    mentee = access.mentee_for(user, pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.consent_record(
                actor=user,
                mentee=mentee,
                given_on=data["given_on"],
                how=data["how"],
                participation=data["participation"],
                contact_network=data["contact_network"],
                share_with_agencies=data["share_with_agencies"],
                agencies=data["agencies"].strip(),
            ),
            then=_after_consent(user, mentee, request.GET.get("referral", "")),
            said=_("The consent is recorded."),
        )
        if done is not None:
            return done
    selectors.mentee_shown(user, mentee, ["first_name", "last_name"])
    return render(request, "mentees/consent_form.html", {"form": form, "mentee": mentee})


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    user = _coordinator(request)
    mentee = access.mentee_for(user, pk)
    consent = access.consent_for(user, mentee, consent_pk)
    access.require(consent.is_active)
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: referral_services.consent_withdraw(
                actor=user,
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
            ),
            then=reverse("mentee_detail", args=[mentee.pk]),
            said=_("The withdrawal of consent is recorded."),
        )
        if done is not None:
            return done
    selectors.consent_shown(user, consent)
    return render(
        request,
        "mentees/consent_withdraw.html",
        {"form": form, "mentee": mentee, "consent": consent},
    )
