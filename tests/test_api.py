"""The JSON API: tokens and system clients, the same access policy and audit as the pages,
problem+json errors, cursors, ETag and If-Match, the rate limit."""

import hashlib
from typing import Any

import pytest
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.accounts.step_up import SteppedUp
from backontrack.api import services as api_services
from backontrack.api.models import ApiClient, ApiToken
from backontrack.audit.models import AuditEvent, AuditEventSubject
from backontrack.core import access
from backontrack.mentees.models import CustodyEvent, Mentee
from backontrack.mentorships.models import Mentorship
from backontrack.programmes.models import Programme

from .conftest import demo_mentorship

pytestmark = pytest.mark.django_db


def stepped_up(user: User) -> SteppedUp:
    """The proof a person gave both factors again, as the pages' step-up gives it (the
    step-up itself is tested in test_api_auth.py, through the pages)."""
    return SteppedUp(user_id=user.pk, at=timezone.now())


def token_of(username: str, scopes: list[str] | None = None) -> str:
    user = User.objects.get(username=username)
    _token, secret = api_services.token_create(
        actor=user,
        name="test",
        scopes=scopes or access.api_scopes_of(user),
        days=1,
        proof=stepped_up(user),
    )
    return secret


def system_client() -> tuple[ApiClient, str]:
    coordinator = User.objects.get(username="coordinator")
    return api_services.client_create(
        actor=coordinator,
        name="Prison register",
        programme=Programme.objects.default(),
        proof=stepped_up(coordinator),
    )


def caller(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def get(secret: str, path: str) -> Any:
    return caller(secret).get(f"/api/v1{path}")


def test_a_mentors_token_reads_only_that_mentors_mentorships() -> None:
    mentorship = demo_mentorship("active")
    mentor = mentorship.mentor.user.username  # type: ignore[union-attr]
    secret = token_of(mentor)
    listed = get(secret, "/mentorships").json()["items"]
    mine = set(
        Mentorship.objects.filter(mentor__user__username=mentor)
        .exclude(status="closed")
        .values_list("pk", flat=True)
    )
    assert {item["id"] for item in listed} == mine
    others = Mentorship.objects.exclude(mentor__user__username=mentor).exclude(
        coach__user__username=mentor
    )
    response = get(secret, f"/mentorships/{others.first().pk}")  # type: ignore[union-attr]
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert get(secret, f"/mentorships/{mentorship.pk}/meetings").status_code == 200
    # A mentor does not open the register, whatever the token says.
    assert get(secret, "/mentees").status_code == 403


def test_a_system_token_for_custody_events_reads_nothing() -> None:
    _client, secret = system_client()
    mentee = Mentee.objects.first()
    assert mentee is not None
    for path in (
        "/mentees",
        f"/mentees/{mentee.pk}",
        "/mentorships",
        f"/mentorships/{demo_mentorship('active').pk}",
        "/disclosures",
        "/figures",
    ):
        response = get(secret, path)
        assert response.status_code == 403, path
        assert response.json()["type"] == "/api/v1/problems/missing-scope"
    # Nor does its account open a page: it is nobody to the access policy.
    client = ApiClient.objects.get(name="Prison register")
    assert access.mentees_visible_to(client.account).count() == 0
    assert access.mentorships_visible_to(client.account).count() == 0


def test_a_register_push_moves_the_phase_as_a_hand_entered_event_does_and_only_once() -> None:
    mentorship = demo_mentorship("active")
    Mentee.objects.filter(pk=mentorship.mentee_id).update(register_id="P-1")
    _client, secret = system_client()
    event = {
        "person_id": "P-1",
        "event_id": "E-1",
        "kind": "release",
        "occurred_on": "2026-11-30",
    }
    first = caller(secret).post(
        "/api/v1/register/custody-events", event, content_type="application/json"
    )
    assert first.status_code == 201, first.content
    assert first.json() == {"event_id": "E-1", "recorded": True}
    mentorship.refresh_from_db()
    assert mentorship.phase == "aftercare"
    assert Mentee.objects.get(pk=mentorship.mentee_id).custody_status == "released"
    again = caller(secret).post(
        "/api/v1/register/custody-events", event, content_type="application/json"
    )
    assert again.status_code == 200
    assert again.json()["recorded"] is False
    assert CustodyEvent.objects.filter(register_id="E-1").count() == 1
    unknown = caller(secret).post(
        "/api/v1/register/custody-events",
        {**event, "person_id": "nobody", "event_id": "E-2"},
        content_type="application/json",
    )
    assert unknown.status_code == 404


def test_a_call_is_audited_as_the_page_it_mirrors() -> None:
    mentee = access.mentees_visible_to(User.objects.get(username="coordinator")).first()
    assert mentee is not None
    response = get(token_of("coordinator"), f"/mentees/{mentee.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == mentee.pk
    events = AuditEvent.objects.filter(request_id=response["X-Request-ID"])
    viewed = events.get(action="view", object_type="mentees.mentee")
    assert viewed.actor.username == "coordinator"  # type: ignore[union-attr]
    assert viewed.justification.endswith(":api:mentee_detail")
    assert viewed.via == "api:api_mentee_detail"
    assert AuditEventSubject.objects.filter(
        event__request_id=response["X-Request-ID"], object_id=str(mentee.pk)
    ).exists()


def test_a_change_needs_the_etag_it_read() -> None:
    secret = token_of("coordinator")
    mentee = access.mentees_visible_to(User.objects.get(username="coordinator")).first()
    assert mentee is not None
    read = get(secret, f"/mentees/{mentee.pk}")
    etag = read["ETag"]
    path = f"/api/v1/mentees/{mentee.pk}"
    body = {"notes": "Moved to the open wing."}
    missing = caller(secret).patch(path, body, content_type="application/json")
    assert missing.status_code == 428
    changed = caller(secret).patch(path, body, content_type="application/json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    assert changed.json()["notes"] == "Moved to the open wing."
    assert changed["ETag"] != etag
    stale = caller(secret).patch(path, body, content_type="application/json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"


def test_lists_come_a_page_at_a_time_by_cursor(django_assert_max_num_queries: Any) -> None:
    secret = token_of("coordinator")
    with django_assert_max_num_queries(20):
        first = get(secret, "/mentees").json()
    assert len(first["items"]) == 25
    second = get(secret, f"/mentees?cursor={first['next']}").json()
    assert not {m["id"] for m in first["items"]} & {m["id"] for m in second["items"]}
    assert get(secret, "/mentees?cursor=%%%").status_code == 422
    with django_assert_max_num_queries(20):
        assert get(secret, "/mentorships").status_code == 200


def test_a_bad_or_revoked_token_is_refused_as_problem_json() -> None:
    secret = token_of("coordinator")
    assert get("bot_nothing_here", "/mentees").status_code == 401
    assert Client().get("/api/v1/mentees").status_code == 401
    token = ApiToken.objects.get(key_id=secret.split("_")[1])
    api_services.token_revoke(actor=token.user, token=token)
    response = get(secret, "/mentees")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_is_stored_only_as_a_hash_and_limited_to_its_roles_scopes() -> None:
    secret = token_of("referrer")
    token = ApiToken.objects.get(key_id=secret.split("_")[1])
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))
    with pytest.raises(api_services.Refused):
        token_of("referrer", ["mentees:read"])
    with pytest.raises(api_services.Refused):
        token_of("auditor", ["mentees:read"])


def test_the_documentation_page_lists_every_call(as_persona: Any) -> None:
    page = as_persona("mentor03").get("/api/").content.decode()
    assert "/api/v1/register/custody-events" in page
    assert "/api/v1/mentorships/{mentorship_id}/meetings" in page
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    answers = schema["paths"]["/api/v1/mentees/{mentee_id}"]["get"]["responses"]
    assert list(answers["404"]["content"]) == ["application/problem+json"]
    assert list(answers["200"]["content"]) == ["application/json"]


def test_a_referrers_system_submits_a_referral_and_follows_its_status() -> None:
    secret = token_of("referrer")
    referral = {
        "first_name": "Test",
        "last_name": "Referred",
        "date_of_birth": "1995-03-04",
        "personal_id": "040395-1237",
        "gender": "male",
        "languages": ["da"],
        "custody_status": "remand",
        "referring_unit": "Vestre Fængsel, section B",
        "referred_on": "2026-11-30",
        "charged_with_terrorism": True,
        "orientation": "right_wing",
        "reason": "Seen with extremist material.",
    }
    made = caller(secret).post("/api/v1/referrals", referral, content_type="application/json")
    assert made.status_code == 201, made.content
    assert get(secret, f"/referrals/{made.json()['id']}").json()["status"] == "received"
    again = caller(secret).post("/api/v1/referrals", referral, content_type="application/json")
    assert again.status_code == 409
    bad = caller(secret).post(
        "/api/v1/referrals", {**referral, "orientation": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "orientation"


REGISTER_HEADER = (
    "person_id,event_id,event,occurred_on,first_name,last_name,date_of_birth,personal_id,"
    "gender,institution,expected_release_date,data_subject_category\n"
)


def test_people_registered_while_a_list_is_walked_are_neither_repeated_nor_skipped() -> None:
    secret = token_of("coordinator")
    there = set(
        access.mentees_visible_to(User.objects.get(username="coordinator")).values_list(
            "pk", flat=True
        )
    )
    seen: list[int] = []
    page = get(secret, "/mentees").json()
    added = 0
    while True:
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            break
        # Someone registered between two pages, whose name sorts before everyone's.
        added += 1
        row = (
            f"A{added},EA{added},admission,2026-10-01,Aage,Aaberg,1990-01-15,"
            f"150190-{2000 + added},male,,,\n"
        )
        imported = caller(secret).post("/api/v1/register/import", REGISTER_HEADER + row, "text/csv")
        assert imported.status_code == 200, imported.content
        page = get(secret, f"/mentees?cursor={page['next']}").json()
    assert added >= 2
    assert len(seen) == len(set(seen))
    assert there <= set(seen)
    assert set(Mentee.objects.filter(last_name="Aaberg").values_list("pk", flat=True)) <= set(seen)


def test_a_cursor_opens_only_its_own_list_with_its_filters_for_its_caller() -> None:
    secret = token_of("coordinator")
    cursor = get(secret, "/mentees").json()["next"]
    assert cursor is not None and get(secret, f"/mentees?cursor={cursor}").status_code == 200
    assert "Aaberg" not in cursor  # an id is all it holds, and it is signed
    for path in (
        f"/mentees?status=sentenced&cursor={cursor}",
        f"/mentorships?cursor={cursor}",
        "/mentees?cursor=Mg",  # a page number, as cursors were
        f"/mentees?cursor={cursor[:-3]}abc",
    ):
        refused = get(secret, path)
        assert refused.status_code == 422, path
        assert refused["Content-Type"] == "application/problem+json"
    assert get(token_of("coordinator-special"), f"/mentees?cursor={cursor}").status_code == 422


def test_a_mentorships_meetings_come_newest_first() -> None:
    mentorship = Mentorship.objects.annotate(count=Count("meetings")).filter(count__gt=1).first()
    assert mentorship is not None
    secret = token_of(mentorship.mentor.user.username)  # type: ignore[union-attr]
    path = f"/mentorships/{mentorship.pk}/meetings"
    first = get(secret, path).json()
    meetings = list(mentorship.meetings.order_by("-id").values_list("pk", flat=True))
    assert [m["id"] for m in first["items"]] == meetings[:20]


def test_a_custody_event_between_the_read_and_the_change_makes_the_change_stale() -> None:
    secret = token_of("coordinator")
    mentee = access.mentees_visible_to(User.objects.get(username="coordinator")).first()
    assert mentee is not None
    etag = get(secret, f"/mentees/{mentee.pk}")["ETag"]
    event = {"kind": "sentencing", "occurred_on": "2026-11-02", "institution_id": None}
    recorded = caller(secret).post(
        f"/api/v1/mentees/{mentee.pk}/custody-events", event, content_type="application/json"
    )
    assert recorded.status_code == 201, recorded.content
    path = f"/api/v1/mentees/{mentee.pk}"
    body = {"notes": "Moved."}
    stale = caller(secret).patch(path, body, content_type="application/json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["type"] == "/api/v1/problems/stale-version"
    anything = caller(secret).patch(path, body, content_type="application/json", HTTP_IF_MATCH="*")
    assert anything.status_code == 428
    fresh = get(secret, f"/mentees/{mentee.pk}")["ETag"]
    assert fresh != etag
    done = caller(secret).patch(path, body, content_type="application/json", HTTP_IF_MATCH=fresh)
    assert done.status_code == 200
    assert Mentee.objects.get(pk=mentee.pk).notes == "Moved."
    described = caller(secret).get("/api/v1/openapi.json").json()
    parameters = described["paths"]["/api/v1/mentees/{mentee_id}"]["patch"]["parameters"]
    header = next(p for p in parameters if p["name"] == "If-Match")
    assert header["in"] == "header" and header["required"] is True
