"""Referrals: submit, follow (referrer), inbox and moves (coordinator)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.core import access
from backontrack.core.saving import save_or_say_why
from backontrack.mentees.forms import PersonForm
from backontrack.mentees.services import has_participation_consent
from backontrack.programmes.switch import programme_switch

from . import selectors, services
from .eligibility import recommend
from .forms import (
    CRITERIA_SCREENED,
    AcceptForm,
    InboxFilterForm,
    MoveForm,
    ReferralForm,
    ScreeningForm,
)
from .models import NotEligibleReason, Referral, Status
from .transitions import REASON_REQUIRED, next_statuses

# Said when the referral moved on while its form was open.
STALE = gettext_lazy("Someone else moved this referral meanwhile. Check its status and try again.")
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
            done = save_or_say_why(
                request,
                form,
                lambda: services.referral_submit(
                    actor=user, person=form.mentee_data(), data=form.referral_data()
                ),
                then=lambda referral: reverse("referral_detail", args=[referral.pk]),
                said=_("Your referral is received. You can follow its status here."),
            )
        except services.OpenReferralExists as exists:
            already_open = selectors.referral_shown(
                user, exists.referral, ["referred_on", "status"]
            )
        else:
            if done is not None:
                return done
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
    page, reasons = selectors.own_referrals_page(user, request.GET.get("page"))
    rows = [
        (referral, _reason_label(reasons.get(referral.pk, ""))) for referral in page.object_list
    ]
    return render(
        request, "referrals/my_referrals.html", {"page": page, "rows": rows, "querystring": ""}
    )


def _reason_label(code: str) -> str:
    return str(NotEligibleReason(code).label) if code in NotEligibleReason.values else ""


@require_GET
def referral_inbox(request: HttpRequest) -> HttpResponse:
    """Open referrals for the coordinator, oldest first, with how long each has waited."""
    user = access.signed_in_user(request)
    access.require(access.can_screen_referrals(user))
    switch = programme_switch(request, access.programmes_coordinated_by(user))
    form = InboxFilterForm(request.GET or None)
    criteria = form.cleaned_data if form.is_valid() else {}
    inbox = selectors.inbox_page(user, criteria, request.GET.get("page"), programme=switch.chosen)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "referrals/inbox.html",
        {
            "switch": switch,
            "form": form,
            "page": inbox.page,
            "querystring": params.urlencode(),
            "too_many": inbox.too_many,
            "referred_twice": inbox.referred_twice,
            "filter_limit": selectors.ENCRYPTED_FILTER_LIMIT,
            "today": timezone.localdate(),
        },
    )


@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.referral_page(user, pk)
    referral = shown.referral
    moves = [
        status
        for status in next_statuses(referral.status)
        if status not in services.MOVES_WITH_THEIR_OWN_SERVICE
        and access.can_move_referral(user, referral, status)
    ]
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "details": shown.details,
            "submission": shown.submission,
            "outcome_reason": _reason_label(shown.outcome_reason),
            "screening": shown.screening,
            "transitions": shown.transitions,
            "moves": [(status, Status(status).label) for status in moves],
            "can_screen": shown.details and referral.status == Status.SCREENING,
            "can_accept": access.can_move_referral(user, referral, Status.ACCEPTED),
            "can_match": access.can_move_referral(user, referral, Status.MATCHED),
            "mentorship": shown.mentorship,
            "other_open": shown.other_open,
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
        done = save_or_say_why(
            request,
            form,
            lambda: services.referral_move(
                actor=user,
                referral=referral,
                version=form.cleaned_data["version"],
                to_status=to,
                reason=form.cleaned_data["reason"],
            ),
            then=reverse(
                "referral_screen" if to == Status.SCREENING else "referral_detail",
                args=[referral.pk],
            ),
            said=_("The referral is now: %(status)s.") % {"status": Status(to).label},
            stale=str(STALE),
            stale_then=reverse("referral_detail", args=[referral.pk]),
        )
        if done is not None:
            return done
    selectors.referral_shown(user, referral, ["referred_name", "status"])
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
        done = save_or_say_why(
            request,
            form,
            lambda: services.referral_screen(
                actor=user,
                referral=referral,
                version=form.cleaned_data["version"],
                data=form.screening_data(),
            ),
            then=reverse("referral_detail", args=[referral.pk]),
            said=_("The screening is recorded. The referral is now: %(status)s.")
            % {"status": Status(form.cleaned_data["decision"]).label},
            stale=str(STALE),
        )
        if done is not None:
            return done
    # After a failed attempt, show what the rules recommend for the findings given so far.
    findings = form.findings() if form.is_bound else {}
    recommendation = recommend(findings) if findings and "" not in findings.values() else None
    selectors.referral_shown(user, referral, ["mentee", "reason", "criteria", "orientation"])
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
        done = save_or_say_why(
            request,
            form,
            lambda: services.referral_accept(
                actor=user, referral=referral, version=form.cleaned_data["version"]
            ),
            then=reverse("referral_detail", args=[referral.pk]),
            said=_("The referral is accepted."),
            stale=str(STALE),
        )
        if done is not None:
            return done
        if not consented:
            # Without consent the page shows no form: say the reason where it is seen.
            for reason in form.non_field_errors():
                messages.error(request, str(reason))
    selectors.referral_shown(user, referral, ["mentee", "status", "consent"])
    return render(
        request,
        "referrals/accept.html",
        {"referral": referral, "form": form, "consented": consented},
    )
