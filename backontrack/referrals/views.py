"""Referrals: submit, follow (referrer), inbox and moves (coordinator)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, form_tokens
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.mentees.forms import PersonForm
from backontrack.mentees.services import has_participation_consent

from . import services
from .eligibility import recommend
from .forms import (
    CRITERIA_SCREENED,
    AcceptForm,
    InboxFilterForm,
    MoveForm,
    ReferralForm,
    ScreeningForm,
)
from .models import OPEN_STATUSES, NotEligibleReason, Referral, Status
from .transitions import REASON_REQUIRED, next_statuses

PAGE_SIZE = 25
ENCRYPTED_FILTER_LIMIT = 2000
REFERRAL = Referral._meta.label_lower
# What the page for each generic move asks, what it says will happen, and its button.
MOVE_QUESTIONS = {
    Status.SCREENING: (
        gettext_lazy("Start screening the referral of %(name)s?"),
        gettext_lazy("The referral moves to “Being screened” and the screening form opens."),
        gettext_lazy("Start screening"),
    ),
    Status.WITHDRAWN: (
        gettext_lazy("Withdraw the referral of %(name)s?"),
        gettext_lazy(
            "The referral is closed: it leaves the coordinator's inbox and cannot be "
            "reopened. The person can be referred again later. Your reason is kept in the "
            "referral's history."
        ),
        gettext_lazy("Withdraw the referral"),
    ),
}


@sensitive_post_parameters("personal_id", "reason", "vulnerability_rationale")
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_submit_referral(user))
    form = ReferralForm(request.POST or None, initial={"referred_on": timezone.localdate()})
    already_open = None
    if request.method == "POST" and form.is_valid():
        try:
            with form_tokens.spend(form, actor=user) as spending:
                referral = services.referral_submit(
                    actor=user, person=form.mentee_data(), data=form.referral_data()
                )
                spending.made(reverse("referral_detail", args=[referral.pk]))
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        except services.OpenReferralExists as exists:
            already_open = exists.referral
            record(
                actor=user,
                action=Action.VIEW,
                obj=already_open,
                fields=["referred_on", "status"],
            )
        else:
            messages.success(
                request,
                _("Your referral is received. You can follow its status here."),
            )
            return redirect("referral_detail", pk=referral.pk)
    person_fields = [form[name] for name in PersonForm.base_fields]
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "person_fields": person_fields, "already_open": already_open},
    )


@require_GET
def my_referrals(request: HttpRequest) -> HttpResponse:
    """The referrer's own referrals, newest first, where each stands and, when the person
    was found not eligible, the reason code."""
    user = access.signed_in_user(request)
    access.require(access.can_submit_referral(user))
    referrals = (
        access.referrals_visible_to(user)
        .filter(referred_by=user)
        .order_by("-referred_on", "-created_at", "-id")
    )
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    reasons = access.outcome_reasons_of(user, [referral.pk for referral in page.object_list])
    rows = [
        (referral, _reason_label(reasons.get(referral.pk, ""))) for referral in page.object_list
    ]
    record(
        actor=user,
        action=Action.LIST,
        object_type=REFERRAL,
        object_ids=[referral.pk for referral in page.object_list],
        fields=["status", "outcome"],
    )
    return render(
        request, "referrals/my_referrals.html", {"page": page, "rows": rows, "querystring": ""}
    )


def _reason_label(code: str) -> str:
    return str(NotEligibleReason(code).label) if code in NotEligibleReason.values else ""


def _filter_encrypted(
    referrals: QuerySet[Referral], wanted: dict[str, object]
) -> tuple[QuerySet[Referral], bool]:
    """The referrals whose encrypted criteria or orientation have the wanted values. They
    cannot be compared in SQL, so they are decrypted here over the referrals the other
    filters leave, at most ENCRYPTED_FILTER_LIMIT of them (oldest first); the second value
    says whether there were more."""
    candidates = list(
        referrals.select_related(None)
        .order_by("referred_on", "id")
        .only("pk", "row_key", *wanted)[: ENCRYPTED_FILTER_LIMIT + 1]
    )
    matching = [
        referral.pk
        for referral in candidates[:ENCRYPTED_FILTER_LIMIT]
        if all(getattr(referral, name) == value for name, value in wanted.items())
    ]
    return referrals.filter(pk__in=matching), len(candidates) > ENCRYPTED_FILTER_LIMIT


@require_GET
def referral_inbox(request: HttpRequest) -> HttpResponse:
    """Open referrals for the coordinator, oldest first, with how long each has waited."""
    user = access.signed_in_user(request)
    access.require(access.can_screen_referrals(user))
    form = InboxFilterForm(request.GET or None)
    referrals = access.referrals_visible_to(user).select_related(
        "mentee", "mentee__institution", "referred_by"
    )
    used: list[str] = []
    data = form.cleaned_data if form.is_valid() else {}
    if status := data.get("status"):
        referrals = referrals.filter(status=status)
        used.append("status")
    else:
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    if institution := data.get("institution"):
        referrals = referrals.filter(mentee__institution=institution)
        used.append("institution")
    if (days := data.get("waited_days")) is not None:
        referrals = referrals.filter(referred_on__lte=timezone.localdate() - timedelta(days=days))
        used.append("waited_days")
    wanted: dict[str, object] = {}
    if criterion := data.get("criterion"):
        wanted[criterion] = True
        used.append("criterion")
    if orientation := data.get("orientation"):
        wanted["orientation"] = orientation
        used.append("orientation")
    too_many = False
    if wanted:
        referrals, too_many = _filter_encrypted(referrals, wanted)
    page = Paginator(referrals.order_by("referred_on", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # People referred more than once (by different referrers) are marked, so the
    # coordinator screens the referrals together.
    referred_twice = set(
        access.referrals_visible_to(user)
        .filter(
            mentee_id__in={referral.mentee_id for referral in page.object_list},
            status__in=OPEN_STATUSES,
        )
        .values("mentee_id")
        .annotate(open_referrals=Count("id"))
        .filter(open_referrals__gt=1)
        .values_list("mentee_id", flat=True)
    )
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=REFERRAL,
        object_ids=[referral.pk for referral in page.object_list],
        fields=used,
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "referrals/inbox.html",
        {
            "form": form,
            "page": page,
            "querystring": params.urlencode(),
            "too_many": too_many,
            "referred_twice": referred_twice,
            "filter_limit": ENCRYPTED_FILTER_LIMIT,
            "today": timezone.localdate(),
            "wait_days": settings.BACKONTRACK_REFERRAL_WAIT_DAYS,
        },
    )


@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    referral = access.referral_for(user, pk)
    details = access.can_see_referral_details(user, referral)
    submission = details or access.can_see_own_submission(user, referral)
    moves = [
        status
        for status in next_statuses(referral.status)
        if status not in services.MOVES_WITH_THEIR_OWN_SERVICE
        and access.can_move_referral(user, referral, status)
    ]
    record(
        actor=user,
        action=Action.VIEW,
        obj=referral,
        fields=(
            [
                "mentee",
                "referring_unit",
                "referred_on",
                "reason",
                "criteria",
                "orientation",
                "status",
                "history",
                "mentorship",
                "other_open_referrals",
            ]
            if details
            else [
                "referred_name",
                "referring_unit",
                "referred_on",
                "reason",
                "criteria",
                "orientation",
                "status",
                "outcome",
            ]
            if submission
            else ["mentee", "referred_on", "status"]
        ),
    )
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "details": details,
            "submission": submission,
            "outcome_reason": _reason_label(
                access.outcome_reasons_of(user, [referral.pk]).get(referral.pk, "")
            ),
            "screening": access.screening_of(user, referral) if details else None,
            "transitions": list(referral.transitions.select_related("actor")) if details else [],
            "moves": [(status, Status(status).label) for status in moves],
            "can_screen": details and referral.status == Status.SCREENING,
            "can_accept": access.can_move_referral(user, referral, Status.ACCEPTED),
            "can_match": access.can_move_referral(user, referral, Status.MATCHED),
            "mentorship": access.mentorship_of_referral(user, referral) if details else None,
            "other_open": list(
                access.referrals_visible_to(user)
                .filter(mentee_id=referral.mentee_id, status__in=OPEN_STATUSES)
                .exclude(pk=referral.pk)
                .select_related("referred_by")
                .order_by("referred_on", "id")
            )
            if details
            else [],
        },
    )


def _moved_on(request: HttpRequest, user: object, referral: Referral) -> HttpResponse:
    """An action page the referral has moved past (the browser's Back after Accept, a second
    tab): the coordinator is taken to the referral with a word on why; anyone else gets the
    same 404 as for a page they may not see."""
    access.require(access.can_screen_referrals(user))
    messages.info(
        request,
        _("This referral is now “%(status)s”, so that step is no longer open.")
        % {"status": referral.get_status_display()},
    )
    return redirect("referral_detail", pk=referral.pk)


@sensitive_post_parameters("reason")
@require_http_methods(["GET", "POST"])
def referral_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    user = access.signed_in_user(request)
    referral = access.referral_for(user, pk)
    access.require(to in Status.values and to not in services.MOVES_WITH_THEIR_OWN_SERVICE)
    if not access.can_move_referral(user, referral, to):
        return _moved_on(request, user, referral)
    form = MoveForm(request.POST or None, initial={"version": referral.version})
    reason_required = to in REASON_REQUIRED
    if reason_required:
        form.fields["reason"].required = True
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_move(
                actor=user,
                referral=referral,
                version=form.cleaned_data["version"],
                to_status=to,
                reason=form.cleaned_data["reason"],
            )
        except ConcurrentEditError:
            messages.error(
                request,
                _("Someone else moved this referral meanwhile. Check its status and try again."),
            )
        else:
            messages.success(
                request, _("The referral is now: %(status)s.") % {"status": Status(to).label}
            )
            if to == Status.SCREENING:
                return redirect("referral_screen", pk=referral.pk)
        return redirect("referral_detail", pk=referral.pk)
    record(actor=user, action=Action.VIEW, obj=referral, fields=["referred_name", "status"])
    question, consequence, confirm = MOVE_QUESTIONS[Status(to)]
    return render(
        request,
        "referrals/move.html",
        {
            "referral": referral,
            "form": form,
            "question": question % {"name": referral.referred_name},
            "consequence": consequence,
            "confirm": confirm,
        },
    )


@sensitive_post_parameters(
    "charged_evidence",
    "convicted_evidence",
    "hate_crime_evidence",
    "vulnerability_evidence",
    "decision_note",
    "override_reason",
)
@require_http_methods(["GET", "POST"])
def referral_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The eligibility screening: a finding and evidence per criterion, the rules'
    recommendation, and the coordinator's decision."""
    user = access.signed_in_user(request)
    referral = access.referral_for(user, pk)
    access.require(access.can_screen_referrals(user))
    if referral.status != Status.SCREENING:
        return _moved_on(request, user, referral)
    form = ScreeningForm(request.POST or None, initial={"version": referral.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_screen(
                actor=user,
                referral=referral,
                version=form.cleaned_data["version"],
                data=form.screening_data(),
            )
        except ConcurrentEditError:
            messages.error(
                request,
                _("Someone else moved this referral meanwhile. Check its status and try again."),
            )
        else:
            messages.success(
                request,
                _("The screening is recorded. The referral is now: %(status)s.")
                % {"status": Status(form.cleaned_data["decision"]).label},
            )
        return redirect("referral_detail", pk=referral.pk)
    # After a failed attempt, show what the rules recommend for the findings given so far.
    findings = form.findings() if form.is_bound else {}
    recommendation = recommend(findings) if findings and "" not in findings.values() else None
    record(
        actor=user,
        action=Action.VIEW,
        obj=referral,
        fields=["mentee", "reason", "criteria", "orientation"],
    )
    return render(
        request,
        "referrals/screen.html",
        {
            "referral": referral,
            "form": form,
            "recommendation": recommendation,
            "criteria_fields": [
                (form[f"{key}_finding"], form[f"{key}_evidence"]) for key, _l in CRITERIA_SCREENED
            ],
        },
    )


@require_http_methods(["GET", "POST"])
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept an eligible referral once the mentee has consented to take part."""
    user = access.signed_in_user(request)
    referral = access.referral_for(user, pk)
    if not access.can_move_referral(user, referral, Status.ACCEPTED):
        return _moved_on(request, user, referral)
    consented = has_participation_consent(referral.mentee)
    form = AcceptForm(request.POST or None, initial={"version": referral.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_accept(
                actor=user, referral=referral, version=form.cleaned_data["version"]
            )
        except services.MoveRefused as refused:
            messages.error(request, str(refused))
        except ConcurrentEditError:
            messages.error(
                request,
                _("Someone else moved this referral meanwhile. Check its status and try again."),
            )
        else:
            messages.success(request, _("The referral is accepted."))
            return redirect("referral_detail", pk=referral.pk)
    record(actor=user, action=Action.VIEW, obj=referral, fields=["mentee", "status", "consent"])
    return render(
        request,
        "referrals/accept.html",
        {"referral": referral, "form": form, "consented": consented},
    )
