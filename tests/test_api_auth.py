"""Who may call the API and how it is held to account: a secret is made only after the
password and a new one-time code and announced by e-mail; every call's events say it came
through the API and with which token; calls are limited per person across their tokens and
failed secrets per address, counted in the database; a person holds a bounded number of
tokens; a system's secret rotates, and a system whose coordinator leaves is suspended until
another confirms it."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.accounts.services import user_set_active
from backontrack.accounts.step_up import SteppedUp
from backontrack.api import ratelimit, v1
from backontrack.api import services as api_services
from backontrack.api.models import ApiClient, ApiToken, RateCount
from backontrack.audit.models import Action, AuditEvent
from backontrack.core.errors import Refused
from backontrack.programmes.models import Programme

from .conftest import PASSWORD, current_code, signed_in_client

pytestmark = pytest.mark.django_db


def _proof(user: User) -> SteppedUp:
    return SteppedUp(user_id=user.pk, at=timezone.now())


def _token(username: str, scopes: list[str]) -> str:
    user = User.objects.get(username=username)
    return api_services.token_create(
        actor=user, name="test", scopes=scopes, days=1, proof=_proof(user)
    )[1]


def _system(username: str = "coordinator") -> tuple[ApiClient, str]:
    coordinator = User.objects.get(username=username)
    return api_services.client_create(
        actor=coordinator,
        name="Prison register",
        programme=Programme.objects.default(),
        proof=_proof(coordinator),
    )


def _get(secret: str, path: str, address: str = "127.0.0.1") -> Any:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR=address).get(f"/api/v1{path}")


def _register_push(secret: str) -> Any:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        "/api/v1/register/custody-events",
        {"person_id": "nobody", "event_id": "E-1", "kind": "release", "occurred_on": "2026-11-30"},
        content_type="application/json",
    )


# --- Step-up and the e-mail ----------------------------------------------------------------


def test_a_token_is_made_only_with_the_password_and_a_new_code_and_the_person_is_told() -> None:
    User.objects.filter(username="mentor03").update(language="da")
    client = signed_in_client("mentor03")
    asked = {"name": "My script", "scopes": ["mentorships:read"], "days": "7"}
    without = client.post("/account/tokens/", asked)
    assert without.status_code == 200
    assert "Enter your password." in without.content.decode()
    wrong = client.post(
        "/account/tokens/", {**asked, "password": PASSWORD, "code": "not-a-code"}
    ).content.decode()
    assert "one-time code is not right" in wrong
    assert not ApiToken.objects.filter(name="My script").exists()
    assert mail.outbox == []
    made = client.post(
        "/account/tokens/", {**asked, "password": PASSWORD, "code": current_code("mentor03")}
    )
    token = ApiToken.objects.get(name="My script")
    assert f"bot_{token.key_id}_" in made.content.decode()
    assert f"bot_{token.key_id}_" not in client.get("/account/tokens/").content.decode()
    # The e-mail, in the person's language, names the token by its id and never its secret.
    (sent,) = mail.outbox
    assert sent.to == [User.objects.get(username="mentor03").email]
    assert sent.subject == "Back on Track: en ny API-hemmelighed"
    assert token.key_id in sent.body
    assert f"bot_{token.key_id}_" not in sent.body
    assert "/account/tokens/" in sent.body


def test_the_service_makes_no_secret_without_a_fresh_step_up() -> None:
    coordinator = User.objects.get(username="coordinator")
    old = SteppedUp(user_id=coordinator.pk, at=timezone.now() - timedelta(minutes=5))
    for proof in (None, old, _proof(User.objects.get(username="coordinator2"))):
        with pytest.raises(Refused):
            api_services.token_create(
                actor=coordinator, name="x", scopes=["mentees:read"], days=1, proof=proof
            )
        with pytest.raises(Refused):
            api_services.client_create(
                actor=coordinator, name="x", programme=Programme.objects.default(), proof=proof
            )
    assert not ApiToken.objects.filter(name="x").exists()


def test_a_coordinator_connects_a_system_with_the_password_and_a_new_code() -> None:
    client = signed_in_client("coordinator")
    asked = {"name": "Register", "programme": str(Programme.objects.default().pk)}
    refused = client.post("/api/clients/", {**asked, "password": "wrong", "code": "123456"})
    assert "one-time code is not right" in refused.content.decode()
    assert not ApiClient.objects.filter(name="Register").exists()
    made = client.post(
        "/api/clients/", {**asked, "password": PASSWORD, "code": current_code("coordinator")}
    )
    system = ApiClient.objects.get(name="Register")
    token = system.tokens.get()
    assert f"bot_{token.key_id}_" in made.content.decode()
    assert not system.account.has_usable_password()
    assert system.account.roles == []
    assert system.responsible.username == "coordinator"
    assert mail.outbox[-1].subject == "Back on Track: a new API secret"
    assert signed_in_client("mentor03").get("/api/clients/").status_code == 404


# --- The trail says the call came through the API, with which token ----------------------------


def test_a_calls_events_say_it_came_through_the_api_and_name_its_token_not_its_secret() -> None:
    secret = _token("coordinator", ["mentorships:read"])
    key_id = secret.split("_")[1]
    response = _get(secret, "/mentorships")
    assert response.status_code == 200
    events = AuditEvent.objects.filter(request_id=response["X-Request-ID"])
    assert events.count() >= 2
    for event in events:
        assert event.via == "api:api_mentorship_list"
        assert event.via_token == key_id
    people = events.get(object_type="mentees.mentee")
    assert people.justification.endswith(":api:mentorship_list")
    assert not AuditEvent.objects.filter(via_token=secret).exists()
    assert secret not in str(list(events.values()))
    # The auditor finds the calls of the token, and sees them as the API's.
    auditor = signed_in_client("auditor")
    page = auditor.get("/audit/", {"through": "api", "via_token": key_id}).content.decode()
    assert f'<code lang="zxx">{key_id}</code>' in page
    assert "through the API" in page
    found = auditor.get("/audit/", {"through": "api", "via_token": key_id}).context["events"]
    assert {item.event.request_id for item in found} == {response["X-Request-ID"]}
    pages_only = auditor.get("/audit/", {"through": "pages"}).context["events"]
    assert all(not item.through_api for item in pages_only)
    exported: Any = auditor.post(
        f"/audit/export/?via_token={key_id}", {"purpose": "Periodic check"}
    )
    assert key_id in b"".join(exported.streaming_content).decode()


# --- Limits -----------------------------------------------------------------------------------


def test_the_rate_holds_for_the_person_across_their_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(v1, "RATE", ratelimit.Rate(calls=2, seconds=60))
    first = _token("coordinator", ["figures:read"])
    second = _token("coordinator", ["figures:read"])
    assert _get(first, "/figures").status_code == 200
    assert _get(second, "/figures").status_code == 200
    refused = _get(first, "/figures")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Counted in the database, where every process and app server reads the same row.
    person = User.objects.get(username="coordinator").pk
    assert RateCount.objects.get(key=f"person:{person}").count == 3
    # Another person is not held back by the coordinator's calls.
    assert _get(_token("evaluator", ["figures:read"]), "/figures").status_code == 200


def test_failed_secrets_hold_the_address_back_and_are_audited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(v1, "FAILED_RATE", ratelimit.Rate(calls=3, seconds=60))
    good = _token("coordinator", ["figures:read"])
    key_id = good.split("_")[1]
    guesses = [f"bot_{key_id}_guess{n}" for n in range(3)]
    assert [_get(g, "/figures", "10.0.0.9").status_code for g in guesses] == [401, 401, 401]
    held = _get(good, "/figures", "10.0.0.9")
    assert held.status_code == 429
    assert held.json()["type"] == "/api/v1/problems/rate-limit"
    assert int(held["Retry-After"]) >= 1
    assert _get("bot_x_y", "/figures", "10.0.0.9").status_code == 429
    # Another address is not held back.
    assert _get(good, "/figures", "10.0.0.10").status_code == 200
    refused = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED, address="10.0.0.9")
    assert refused.count() == 3
    token = ApiToken.objects.get(key_id=key_id)
    assert set(refused.values_list("object_id", flat=True)) == {str(token.pk)}
    assert refused.filter(detail="api_bearer:secret:throttled").count() == 1
    assert all(e.via == "api:api_figures" for e in refused)
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, address="10.0.0.9").count() == 1
    page = signed_in_client("auditor").get("/audit/", {"through": "api"}).content.decode()
    assert "bearer secret refused: wrong secret" in page


def test_a_person_holds_a_bounded_number_of_tokens_that_work(settings: Any) -> None:
    settings.BACKONTRACK_API_MAX_TOKENS = 2
    _token("referrer", ["referrals:read"])
    second = _token("referrer", ["referrals:read"])
    with pytest.raises(Refused):
        _token("referrer", ["referrals:read"])
    user = User.objects.get(username="referrer")
    api_services.token_revoke(actor=user, token=ApiToken.objects.get(key_id=second.split("_")[1]))
    assert _token("referrer", ["referrals:read"])


# --- Connected systems: rotation, the list, suspension ------------------------------------


def test_a_coordinator_rotates_a_systems_secret_and_the_old_one_stops_at_once() -> None:
    system, old = _system()
    assert _register_push(old).status_code == 404  # signed in; the person is not registered
    client = signed_in_client("coordinator")
    page = client.get(f"/api/clients/{system.pk}/rotate/")
    assert page.status_code == 200
    refused = client.post(f"/api/clients/{system.pk}/rotate/", {"password": "wrong", "code": "1"})
    assert "one-time code is not right" in refused.content.decode()
    rotated = client.post(
        f"/api/clients/{system.pk}/rotate/",
        {"password": PASSWORD, "code": current_code("coordinator")},
    ).content.decode()
    new = system.tokens.get(revoked_at__isnull=True)
    assert old.split("_")[1] != new.key_id
    assert f"bot_{new.key_id}_" in rotated
    assert _register_push(old).status_code == 401
    new_secret = rotated.split(f"bot_{new.key_id}_", 1)[1].split("<", 1)[0]
    assert _register_push(f"bot_{new.key_id}_{new_secret}").status_code == 404
    assert AuditEvent.objects.filter(
        object_type="api.apiclient", object_id=str(system.pk), detail="rotated"
    ).exists()
    listed = client.get("/api/clients/").content.decode()
    assert "Last used" in listed and "Connected by" in listed and "Valid until" in listed
    assert "custody-events:write" in listed


def test_the_list_of_systems_reads_the_same_queries_however_many_there_are(
    django_assert_max_num_queries: Any,
) -> None:
    client = signed_in_client("coordinator")
    _system()
    client.get("/api/clients/")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/clients/")
    for _ in range(4):
        _system()
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/api/clients/")


def test_a_system_whose_coordinator_leaves_is_suspended_until_another_confirms_it() -> None:
    system, secret = _system()
    assert _register_push(secret).status_code == 404
    user_set_active(
        actor=User.objects.get(username="admin"),
        user=User.objects.get(username="coordinator"),
        active=False,
    )
    assert _register_push(secret).status_code == 401
    assert AuditEvent.objects.filter(detail="api_bearer:suspended").exists()
    other = signed_in_client("coordinator2")
    listed = other.get("/api/clients/").content.decode()
    assert "Suspended" in listed
    # It cannot be rotated while nobody answers for it.
    rotate = other.post(
        f"/api/clients/{system.pk}/rotate/",
        {"password": PASSWORD, "code": current_code("coordinator2")},
    )
    assert "Confirm that you answer for the system" in rotate.content.decode()
    assert other.post(f"/api/clients/{system.pk}/confirm/").status_code == 302
    system.refresh_from_db()
    assert system.responsible.username == "coordinator2"
    assert _register_push(secret).status_code == 404
    confirmed = AuditEvent.objects.get(
        object_type="api.apiclient", object_id=str(system.pk), fields=["responsible"]
    )
    assert confirmed.actor_username == "coordinator2"
