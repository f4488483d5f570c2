"""Every API call records, in the audit trail, at least the fields it answers with. The
fields answered are read from each call's response schema (as the OpenAPI description has
them), so a field added to a response without being recorded fails here."""

from typing import Any, get_args, get_origin

import pytest
from django.test import Client
from django.utils import timezone
from pydantic import BaseModel

from backontrack.accounts.models import User
from backontrack.accounts.step_up import SteppedUp
from backontrack.api import services as api_services
from backontrack.api.v1 import api
from backontrack.audit.models import AuditEvent
from backontrack.core import access
from backontrack.disclosures import services as disclosures
from backontrack.disclosures.models import Disclosure
from backontrack.mentorships.models import Meeting, Mentorship

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db

# What a response holds that is no one's data: identifiers, paging, the question echoed.
NOT_DATA = {"id", "version", "next", "mentorship", "programme", "start", "end", "pseudonymised"}
# A response's name for what the trail records under another: a person's name (recorded as
# one field or as its two), the dashboard's tables (recorded as the dashboard).
RECORDED_AS = {"first_name": "name", "last_name": "name", "figures": "dashboard"}
# The writes whose answer shows nothing the write did not record as written: a register
# event's ids, the import's counts, a referral's own status.
WRITES = {
    "api_mentee_create",
    "api_mentee_edit",
    "api_custody_event_create",
    "api_register_event",
    "api_register_import",
    "api_referral_create",
}


def _leaves(annotation: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every field a value of this type holds, by its path (lists and optionals looked
    through)."""
    while get_origin(annotation) is not None:
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) is dict or len(inner) != 1:
            return {path}
        annotation = inner[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found: set[tuple[str, ...]] = set()
        for name, field in annotation.model_fields.items():
            found |= _leaves(field.annotation, (*path, name))
        return found
    return {path}


def _read_calls() -> dict[str, Any]:
    """Every call of the API by its URL name, with the schema of its 200 answer."""
    calls: dict[str, Any] = {}
    for _prefix, router in api._routers:
        for view in router.path_operations.values():
            for operation in view.operations:
                schema = operation.response_models.get(200) or operation.response_models.get(201)
                calls[operation.url_name] = schema
    return calls


def _uncovered(schema: Any, recorded: set[str]) -> list[str]:
    missing = []
    for names in sorted(_leaves(schema.model_fields["response"].annotation)):
        if not names or names[-1] in NOT_DATA:
            continue
        # A field, or the list of records it is part of that the trail names as one field
        # (a person's custody events).
        named = {names[-1], RECORDED_AS.get(names[-1], "")}
        if len(names) > 1:
            named |= {names[-2], RECORDED_AS.get(names[-2], "")}
        if not named & recorded:
            missing.append(".".join(names))
    return missing


def _bearer(username: str) -> Client:
    user = User.objects.get(username=username)
    _token, secret = api_services.token_create(
        actor=user,
        name="fields",
        scopes=access.api_scopes_of(user),
        days=1,
        proof=SteppedUp(user_id=user.pk, at=timezone.now()),
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _reads() -> dict[str, tuple[str, str]]:
    """Each read with a persona who gets an answer with every kind of item in it."""
    mentorship = (
        Mentorship.objects.filter(status="active", meetings__outcome=Meeting.Outcome.HELD)
        .filter(goals__isnull=False)
        .distinct()
        .earliest("id")
    )
    mentee = access.mentees_visible_to(User.objects.get(username="coordinator")).first()
    assert mentee is not None
    referral = User.objects.get(username="referrer")
    sent = access.referrals_visible_to(referral).first()
    assert sent is not None
    return {
        "api_mentee_list": ("coordinator", "/mentees"),
        "api_mentee_detail": ("coordinator", f"/mentees/{mentee.pk}"),
        "api_mentorship_list": ("coordinator", "/mentorships"),
        "api_mentorship_detail": ("coordinator", f"/mentorships/{mentorship.pk}"),
        "api_meeting_list": ("coordinator", f"/mentorships/{mentorship.pk}/meetings"),
        "api_plan": ("coordinator", f"/mentorships/{mentorship.pk}/plan"),
        "api_referral_status": ("referrer", f"/referrals/{sent.pk}"),
        "api_disclosure_inbox": ("liaison-security", "/disclosures"),
        "api_figures": ("coordinator", "/figures"),
    }


def test_every_call_is_a_read_checked_here_or_a_write() -> None:
    assert set(_read_calls()) == set(_reads()) | WRITES


def test_each_read_records_every_field_it_answers_with() -> None:
    calls = _read_calls()
    problems = {}
    for name, (username, path) in _reads().items():
        response = _bearer(username).get(f"/api/v1{path}")
        assert response.status_code == 200, (name, response.content)
        recorded = {
            field
            for fields in AuditEvent.objects.filter(
                request_id=response["X-Request-ID"]
            ).values_list("fields", flat=True)
            for field in fields
        }
        missing = _uncovered(calls[name], recorded)
        if missing:
            problems[name] = (missing, sorted(recorded))
    assert not problems, problems


def test_the_coordinators_disclosure_page_records_the_reason_for_revoking_it_shows() -> None:
    coordinator = User.objects.get(username="coordinator")
    disclosure = Disclosure.objects.filter(status="approved").earliest("id")
    disclosures.disclosure_revoke(
        actor=coordinator,
        disclosure=disclosure,
        version=disclosure.version,
        reason="Sent to the wrong unit.",
    )
    response = signed_in_client("coordinator").get(f"/disclosures/{disclosure.pk}/")
    assert "Sent to the wrong unit." in response.content.decode()
    viewed = AuditEvent.objects.get(
        request_id=response["X-Request-ID"], object_type="disclosures.disclosure"
    )
    assert "revoke_reason" in viewed.fields
