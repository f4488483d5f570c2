"""Reads of referrals: each loads through the access policy and records what it showed in
the same call."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access
from backontrack.mentorships.models import Mentorship
from backontrack.programmes.models import Programme

from .models import OPEN_STATUSES, Referral, ReferralTransition, Screening

PAGE_SIZE = 25
ENCRYPTED_FILTER_LIMIT = 2000
REFERRAL = Referral._meta.label_lower
# What the referral's page shows to the coordinator, to the one who referred, and to
# anyone else who may see it (the mentor of the mentorship it became).
DETAILS = [
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
SUBMISSION = [
    "referred_name",
    "referring_unit",
    "referred_on",
    "reason",
    "criteria",
    "orientation",
    "status",
    "outcome",
]
SUMMARY = ["mentee", "referred_on", "status"]


def own_referrals_page(user: User, page_number: str | None) -> tuple[Page, dict[int, str]]:
    """The referrer's own referrals, newest first, and the outcome reason code of those
    found not eligible."""
    referrals = (
        access.referrals_visible_to(user)
        .filter(referred_by=user)
        .order_by("-referred_on", "-created_at", "-id")
    )
    page = Paginator(referrals, PAGE_SIZE).get_page(page_number)
    reasons = access.outcome_reasons_of(user, [referral.pk for referral in page.object_list])
    record(
        actor=user,
        action=Action.LIST,
        object_type=REFERRAL,
        object_ids=[referral.pk for referral in page.object_list],
        fields=["status", "outcome"],
    )
    return page, reasons


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


@dataclass
class Inbox:
    page: Page
    too_many: bool  # more referrals than the encrypted filters could decrypt
    referred_twice: set[int]  # the mentees with more than one open referral


def inbox_page(
    user: object,
    criteria: dict[str, Any],
    page_number: str | None,
    *,
    programme: Programme | None = None,
) -> Inbox:
    """Open referrals (or those of the status asked for), oldest first, of one programme or
    all the user's, filtered by the inbox form's criteria; a filtered page is a search by the
    fields used."""
    referrals = access.referrals_visible_to(user).select_related(
        "programme", "mentee", "mentee__institution", "referred_by"
    )
    used: list[str] = []
    if programme is not None:
        referrals = referrals.filter(programme=programme)
    if status := criteria.get("status"):
        referrals = referrals.filter(status=status)
        used.append("status")
    else:
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    if institution := criteria.get("institution"):
        referrals = referrals.filter(mentee__institution=institution)
        used.append("institution")
    if (days := criteria.get("waited_days")) is not None:
        referrals = referrals.filter(referred_on__lte=timezone.localdate() - timedelta(days=days))
        used.append("waited_days")
    wanted: dict[str, object] = {}
    if criterion := criteria.get("criterion"):
        wanted[criterion] = True
        used.append("criterion")
    if orientation := criteria.get("orientation"):
        wanted["orientation"] = orientation
        used.append("orientation")
    too_many = False
    if wanted:
        referrals, too_many = _filter_encrypted(referrals, wanted)
    page = Paginator(referrals.order_by("referred_on", "id"), PAGE_SIZE).get_page(page_number)
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
    return Inbox(page=page, too_many=too_many, referred_twice=referred_twice)


@dataclass
class ReferralPage:
    referral: Referral
    details: bool  # the coordinator's view: the person, the history, the screening
    submission: bool  # at least what the referrer sent
    outcome_reason: str  # the not-eligible reason code, for whoever may see it
    screening: Screening | None
    transitions: list[ReferralTransition]
    mentorship: Mentorship | None
    other_open: list[Referral]  # the person's other open referrals


def referral_page(user: object, pk: int) -> ReferralPage:
    """The referral (404 when the user may not see it) with what this user may see of it."""
    referral = access.referral_for(user, pk)
    details = access.can_see_referral_details(user, referral)
    submission = details or access.can_see_own_submission(user, referral)
    record(
        actor=user,
        action=Action.VIEW,
        obj=referral,
        fields=DETAILS if details else SUBMISSION if submission else SUMMARY,
    )
    return ReferralPage(
        referral=referral,
        details=details,
        submission=submission,
        outcome_reason=access.outcome_reasons_of(user, [referral.pk]).get(referral.pk, ""),
        screening=access.screening_of(user, referral) if details else None,
        transitions=list(referral.transitions.select_related("actor")) if details else [],
        mentorship=access.mentorship_of_referral(user, referral) if details else None,
        other_open=list(
            access.referrals_visible_to(user)
            .filter(mentee_id=referral.mentee_id, status__in=OPEN_STATUSES)
            .exclude(pk=referral.pk)
            .select_related("referred_by")
            .order_by("referred_on", "id")
        )
        if details
        else [],
    )


def referral_shown(user: object, referral: Referral, fields: list[str]) -> Referral:
    """A form page about the referral (loaded by the view for its write) shows these
    fields; so does naming the open referral that stops a second one."""
    record(actor=user, action=Action.VIEW, obj=referral, fields=fields)
    return referral
