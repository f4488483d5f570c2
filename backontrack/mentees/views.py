"""The mentee register: list and search, register, view, edit, custody events.

Mentees are loaded only through the access policy (core.access); not-found and
not-allowed both answer 404. Every page that shows personal data records what it showed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates, form_tokens, name_search
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.core.forms import is_database_id
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.referrals.models import Referral

from . import identity, services
from .forms import (
    ConsentForm,
    ConsentWithdrawForm,
    CustodyEventForm,
    MenteeForm,
    MenteeSearchForm,
    PersonalIdSearchForm,
)
from .models import Mentee

PAGE_SIZE = 25


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
        index = identity.index_for(id_form.cleaned_data["personal_id"])
        found = access.mentees_visible_to(user).filter(personal_id_index=index).first()
        record(
            actor=user,
            action=Action.SEARCH,
            object_type=Mentee._meta.label_lower,
            object_ids=[found.pk] if found else [],
            fields=["personal_id"],
        )
        if found is not None:
            return redirect("mentee_detail", pk=found.pk)
        messages.info(request, _("No mentee has this personal identification number."))
        return redirect("mentee_list")

    if request.method == "POST" and not by_id:
        search = MenteeSearchForm(request.POST)
        if (done := name_search.remember_and_redirect(request, "mentee_list", search)) is not None:
            return done
    else:
        search = MenteeSearchForm(name_search.search_data(request, "mentee_list"))
    mentees = access.mentees_visible_to(user).select_related("institution")
    used: list[str] = []
    if search.is_valid():
        if query := search.cleaned_data["q"].strip():
            for word in query.split():
                mentees = mentees.filter(
                    Q(first_name__icontains=word) | Q(last_name__icontains=word)
                )
            used.append("name")
        if institution := search.cleaned_data["institution"]:
            mentees = mentees.filter(institution=institution)
            used.append("institution")
        if status := search.cleaned_data["status"]:
            mentees = mentees.filter(custody_status=status)
            used.append("custody_status")
    page = Paginator(mentees.order_by("last_name", "first_name", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=Mentee._meta.label_lower,
        object_ids=[mentee.pk for mentee in page.object_list],
        fields=used,
    )
    params = request.GET.copy()
    params.pop("page", None)
    params.pop(name_search.NAME, None)
    return render(
        request,
        "mentees/mentee_list.html",
        {"page": page, "search": search, "id_form": id_form, "querystring": params.urlencode()},
    )


def _duplicate_message(
    request: HttpRequest, user: User, form: MenteeForm, existing: Mentee
) -> None:
    # Showing who holds the number is a search by personal ID number: record it.
    record(
        actor=user,
        action=Action.SEARCH,
        object_type=Mentee._meta.label_lower,
        object_ids=[existing.pk],
        fields=["personal_id"],
        detail="duplicate check",
    )
    form.add_error(
        "personal_id",
        _(
            "A mentee with this personal identification number is registered already. "
            "Open the existing record instead of creating a second one."
        ),
    )
    form.existing = existing  # type: ignore[attr-defined]


@sensitive_post_parameters("personal_id", "notes")
@require_http_methods(["GET", "POST"])
def mentee_create(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    form = MenteeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with form_tokens.spend(form, actor=user) as spending:
                mentee = services.mentee_create(actor=user, data=form.mentee_data())
                spending.made(reverse("mentee_detail", args=[mentee.pk]))
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        except services.DuplicatePerson as duplicate:
            _duplicate_message(request, user, form, duplicate.existing)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": mentee})
            return redirect("mentee_detail", pk=mentee.pk)
    return render(request, "mentees/mentee_form.html", {"form": form, "mentee": None})


@require_http_methods(["GET"])
def mentee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    mentee = access.mentee_for(user, pk)
    custody_events = list(access.custody_events_of(user, mentee))
    referrals = list(access.referrals_of_mentee(user, mentee))
    mentorships = list(access.mentorships_of_mentee(user, mentee))
    record(
        actor=user,
        action=Action.VIEW,
        obj=mentee,
        fields=[*services.EDITABLE_FIELDS, "custody_events", "consents"],
    )
    # The record lists the person's referrals and mentorships as their lists do.
    if referrals:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Referral._meta.label_lower,
            object_ids=[referral.pk for referral in referrals],
            fields=["referred_on", "status"],
            detail=f"of mentees.mentee #{mentee.pk}",
        )
    if mentorships:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Mentorship._meta.label_lower,
            object_ids=[mentorship.pk for mentorship in mentorships],
            fields=["mentor", "coach", "status", "phase"],
            detail=f"of mentees.mentee #{mentee.pk}",
        )
    return render(
        request,
        "mentees/mentee_detail.html",
        {
            "mentee": mentee,
            "custody_events": custody_events,
            "consents": list(access.consents_of(user, mentee)),
            "referrals": referrals,
            "mentorships": mentorships,
            "closed": MentorshipStatus.CLOSED,
        },
    )


@sensitive_post_parameters("personal_id", "notes")
@require_http_methods(["GET", "POST"])
def mentee_edit(request: HttpRequest, pk: int) -> HttpResponse:
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
            _duplicate_message(request, user, form, duplicate.existing)
        except ConcurrentEditError:
            mentee = access.mentee_for(user, pk)
            form = MenteeForm(instance=mentee)
            messages.error(request, str(MenteeForm.concurrent_edit_message))
        else:
            messages.success(request, _("The changes to %(name)s are saved.") % {"name": mentee})
            return redirect("mentee_detail", pk=mentee.pk)
    # Whatever the form shows now (stored values, or the latest after a conflict) is a look.
    record(actor=user, action=Action.VIEW, obj=mentee, fields=list(services.EDITABLE_FIELDS))
    return render(request, "mentees/mentee_form.html", {"form": form, "mentee": mentee})


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def custody_event_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    mentee = access.mentee_for(user, pk)
    form = CustodyEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ongoing = access.mentorships_visible_to(user).filter(
            mentee=mentee, status__in=("active", "paused")
        )
        before = {m.pk: m.phase for m in ongoing}
        try:
            with form_tokens.spend(form, actor=user) as spending:
                services.custody_event_record(
                    actor=user,
                    mentee=mentee,
                    kind=data["kind"],
                    occurred_on=data["occurred_on"],
                    institution=data["institution"],
                    note=data["note"],
                )
                spending.made(reverse("mentee_detail", args=[mentee.pk]))
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        except dates.DateOutOfRange as problem:
            # Only the service knows the person's date of birth.
            form.add_error("occurred_on", str(problem))
        else:
            messages.success(request, _("The custody event is recorded."))
            for mentorship in ongoing.all():
                if before.get(mentorship.pk) != mentorship.phase:
                    messages.info(
                        request,
                        _("The mentorship's phase is now: %(phase)s.")
                        % {"phase": mentorship.get_phase_display()},
                    )
            return redirect("mentee_detail", pk=mentee.pk)
    record(actor=user, action=Action.VIEW, obj=mentee, fields=["first_name", "last_name"])
    return render(request, "mentees/custody_event_form.html", {"form": form, "mentee": mentee})


@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _coordinator(request)
    mentee = access.mentee_for(user, pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with form_tokens.spend(form, actor=user) as spending:
                services.consent_record(
                    actor=user,
                    mentee=mentee,
                    given_on=data["given_on"],
                    how=data["how"],
                    participation=data["participation"],
                    contact_network=data["contact_network"],
                    share_with_agencies=data["share_with_agencies"],
                    agencies=data["agencies"].strip(),
                )
                spending.made(reverse("mentee_detail", args=[mentee.pk]))
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        messages.success(request, _("The consent is recorded."))
        # Coming from a referral's Accept page: go back there, the obvious next step.
        referral_id = request.GET.get("referral", "")
        if is_database_id(referral_id):
            referral = (
                access.referrals_visible_to(user).filter(pk=referral_id, mentee=mentee).first()
            )
            if referral is not None:
                return redirect("referral_accept", pk=referral.pk)
        return redirect("mentee_detail", pk=mentee.pk)
    record(actor=user, action=Action.VIEW, obj=mentee, fields=["first_name", "last_name"])
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
        services.consent_withdraw(
            actor=user,
            consent=consent,
            withdrawn_on=form.cleaned_data["withdrawn_on"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("The withdrawal of consent is recorded."))
        return redirect("mentee_detail", pk=mentee.pk)
    record(actor=user, action=Action.VIEW, obj=consent, fields=["scope"])
    return render(
        request,
        "mentees/consent_withdraw.html",
        {"form": form, "mentee": mentee, "consent": consent},
    )
