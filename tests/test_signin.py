import time
from typing import Any

import pytest
from django.test import Client

from backontrack.accounts import services
from backontrack.accounts.models import Authenticator, User

from .conftest import PASSWORD, current_code, signed_in_client

pytestmark = pytest.mark.django_db


def password_step(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/signin/", {"username": username, "password": password}, **extra)


def code_for(device: Authenticator) -> str:
    return device.current_code()


def test_it_signs_in_with_password_and_one_time_code(client: Client) -> None:
    response = password_step(client, "coordinator")
    assert response.status_code == 302
    assert response["Location"] == "/signin/code/"
    # Half-way, nothing private is reachable.
    assert client.get("/").status_code == 302
    key_before = client.session.session_key

    response = client.post("/signin/code/", {"code": current_code("coordinator")})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.session_key != key_before

    home = client.get("/")
    assert home.status_code == 200
    assert b"As coordinator" in home.content
    assert b"Camilla Holm" in home.content


def test_it_stores_passwords_with_argon2() -> None:
    assert User.objects.get(username="mentor05").password.startswith("argon2")


def test_it_refuses_a_wrong_password_with_a_helpful_message(client: Client) -> None:
    response = password_step(client, "coordinator", "not-the-password")
    assert response.status_code == 200
    assert b"The user name or password is not right" in response.content
    assert "signin_pending" not in client.session


def test_it_refuses_a_wrong_code_and_stays_at_the_code_step(client: Client) -> None:
    password_step(client, "mentor05")
    right = current_code("mentor05")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post("/signin/code/", {"code": wrong})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert client.get("/").status_code == 302


def test_digits_of_another_script_are_a_wrong_code_not_an_error(client: Client) -> None:
    password_step(client, "mentor05")
    for code in ("12345²", "١٢٣٤٥٦"):
        response = client.post("/signin/code/", {"code": code})
        assert response.status_code == 200
        assert b"That code is not right" in response.content
    assert client.get("/").status_code == 302


def test_it_locks_a_user_on_one_address_after_repeated_failures(client: Client) -> None:
    for _ in range(5):
        password_step(client, "trainer", "wrong-password", REMOTE_ADDR="10.0.0.1")

    locked = password_step(client, "trainer", REMOTE_ADDR="10.0.0.1")
    assert locked.status_code == 429
    assert b"Sign-in is blocked" in locked.content
    assert "signin_pending" not in client.session

    # The same user from another address, and another user from that address, still work.
    assert password_step(Client(), "trainer", REMOTE_ADDR="10.0.0.2").status_code == 302
    assert password_step(Client(), "auditor", REMOTE_ADDR="10.0.0.1").status_code == 302


def test_wrong_codes_count_towards_the_lockout(client: Client) -> None:
    password_step(client, "evaluator", REMOTE_ADDR="10.0.0.3")
    for _ in range(4):
        client.post("/signin/code/", {"code": "000000"}, REMOTE_ADDR="10.0.0.3")
    response = client.post("/signin/code/", {"code": "000000"}, REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 429
    assert password_step(Client(), "evaluator", REMOTE_ADDR="10.0.0.3").status_code == 429


def test_an_administrator_can_lift_a_lockout(client: Client) -> None:
    for _ in range(5):
        password_step(client, "mentor09", "wrong-password")
    assert password_step(Client(), "mentor09").status_code == 429
    admin = signed_in_client("admin")
    mentor = User.objects.get(username="mentor09")
    assert b"Sign-in blocked" in admin.get(f"/admin/users/{mentor.pk}/").content
    admin.post(f"/admin/users/{mentor.pk}/unlock/")
    assert password_step(Client(), "mentor09").status_code == 302


def test_a_pending_sign_in_expires(client: Client) -> None:
    password_step(client, "coordinator")
    session = client.session
    session["signin_pending"]["since"] = time.time() - 301
    session.save()
    response = client.post("/signin/code/", {"code": current_code("coordinator")}, follow=True)
    assert response.redirect_chain[-1][0] == "/signin/"
    assert b"Please start again" in response.content
    assert client.get("/").status_code == 302


def test_it_returns_to_the_page_asked_for_but_never_off_site(client: Client) -> None:
    client.post("/signin/?next=/account/", {"username": "auditor", "password": PASSWORD})
    response = client.post("/signin/code/", {"code": current_code("auditor")})
    assert response["Location"] == "/account/"

    other = Client()
    other.post("/signin/?next=https://evil.example/", {"username": "auditor", "password": PASSWORD})
    response = other.post("/signin/code/", {"code": current_code("auditor")})
    assert response["Location"] == "/"


def test_a_new_user_enrols_an_authenticator_at_first_sign_in(client: Client) -> None:
    user = User.objects.get(username="mentor10")
    Authenticator.objects.filter(user=user).delete()
    # Without a recently used sign-in link, a password alone sets up no phone.
    refused = password_step(client, "mentor10")
    assert b"Your sign-in is not set up" in refused.content
    _just_used_a_link(user)

    assert password_step(client, "mentor10")["Location"] == "/signin/enrol/"
    page = client.get("/signin/enrol/")
    assert page.status_code == 200
    assert b'src="data:image/svg+xml' in page.content
    device = Authenticator.objects.get(user=user, confirmed=False)
    assert page.context["secret"].replace(" ", "") in device.config_url

    wrong = client.post("/signin/enrol/", {"code": "123456"})
    assert b"That code does not match" in wrong.content

    # django-otp refuses any code for a moment after a wrong one; this test does not wait.
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post("/signin/enrol/", {"code": code_for(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert client.get("/").status_code == 200

    # Each recovery code signs in once, in place of a one-time code.
    again = Client()
    password_step(again, "mentor10")
    assert again.post("/signin/code/", {"code": codes[0]})["Location"] == "/"
    third = Client()
    password_step(third, "mentor10")
    assert third.post("/signin/code/", {"code": codes[0]}).status_code == 200


def test_a_person_changes_their_own_password(client: Client) -> None:
    client = signed_in_client("mentor08")
    too_short = client.post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password": "short", "new_password_again": "short"},
    )
    assert b"This password is too short" in too_short.content

    changed = client.post(
        "/account/password/",
        {
            "current_password": PASSWORD,
            "new_password": "lantern harbour quietly 42",
            "new_password_again": "lantern harbour quietly 42",
        },
    )
    assert changed["Location"] == "/account/"
    assert client.get("/").status_code == 200
    assert User.objects.get(username="mentor08").check_password("lantern harbour quietly 42")


def test_a_deactivated_person_with_the_right_password_is_told_whom_to_ask(
    client: Client,
) -> None:
    User.objects.filter(username="mentor10").update(is_active=False)
    right = password_step(client, "mentor10")
    assert b"Your account is deactivated" in right.content
    assert "signin_pending" not in client.session
    wrong = password_step(client, "mentor10", "not-the-password")
    assert b"Your account is deactivated" not in wrong.content
    assert b"The user name or password is not right" in wrong.content


def test_signing_out_ends_the_session(client: Client) -> None:
    client = signed_in_client("mentor03")
    assert client.get("/signout/").status_code == 405
    response = client.post("/signout/", follow=True)
    assert b"You have signed out" in response.content
    assert client.get("/").status_code == 302


def test_a_session_ends_after_15_idle_minutes(client: Client) -> None:
    client = signed_in_client("coordinator")
    session = client.session
    session["last_seen"] = time.time() - 15 * 60 - 1
    session.save()
    response = client.get("/account/", follow=True)
    assert response.redirect_chain[0][0] == "/signin/?next=%2Faccount%2F"
    assert b"without activity" in response.content
    assert client.get("/").status_code == 302


def test_a_session_ends_after_8_hours_however_active(client: Client) -> None:
    client = signed_in_client("coordinator")
    session = client.session
    session["signed_in_at"] = time.time() - 8 * 3600 - 1
    session.save()
    response = client.get("/", follow=True)
    assert b"signed in for 8 hours" in response.content


def test_the_idle_limit_is_configurable(client: Client, settings) -> None:
    settings.BACKONTRACK_SESSION_IDLE_MINUTES = 1
    client = signed_in_client("coordinator")
    session = client.session
    session["last_seen"] = time.time() - 61
    session.save()
    assert client.get("/").status_code == 302


def test_a_deactivated_user_is_signed_out_at_the_next_click() -> None:
    client = signed_in_client("mentor04")
    user = User.objects.get(username="mentor04")
    services.user_set_active(actor=User.objects.get(username="admin"), user=user, active=False)
    assert client.get("/").status_code == 302
    assert password_step(Client(), "mentor04").status_code == 200


def _just_used_a_link(user: User) -> None:
    """As after a sign-in link from an e-mail, which makes enrolment after the password
    possible for a while."""
    token = services.signin_link_issue(actor=None, user=user, purpose="authenticator")
    link = services.signin_link_find(token)
    assert link is not None
    services.signin_link_use(link=link, new_password=None)


def test_each_sign_in_attempt_enrols_its_own_secret() -> None:
    user = User.objects.get(username="mentor06")
    Authenticator.objects.filter(user=user).delete()
    _just_used_a_link(user)
    first, second = Client(), Client()
    password_step(first, "mentor06")
    first_secret = first.get("/signin/enrol/").context["secret"]
    assert first.get("/signin/enrol/").context["secret"] == first_secret
    password_step(second, "mentor06")
    assert second.get("/signin/enrol/").context["secret"] != first_secret
    # The first browser's secret is gone: it can no longer be confirmed.
    assert Authenticator.objects.filter(user=user).count() == 1


def test_the_lockout_counts_the_client_behind_a_trusted_proxy(
    client: Client, settings: Any
) -> None:
    settings.BACKONTRACK_PROXY_COUNT = 1
    for number in range(5):
        # The client writes the left part; the proxy appends the real address on the right.
        password_step(
            client,
            "mentor03",
            "wrong-password",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}, 203.0.113.7",
        )
    blocked = password_step(
        Client(), "mentor03", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert blocked.status_code == 429
    # Another real client behind the same proxy is not locked out.
    other = password_step(
        Client(), "mentor03", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8"
    )
    assert other.status_code == 302


def test_an_ipv6_client_cannot_rotate_addresses_past_the_lockout(client: Client) -> None:
    for number in range(5):
        password_step(client, "mentor04", "wrong-password", REMOTE_ADDR=f"2001:db8::{number}")
    assert password_step(Client(), "mentor04", REMOTE_ADDR="2001:db8::99").status_code == 429


def test_guessing_the_password_on_the_change_form_signs_out_and_locks(client: Client) -> None:
    client = signed_in_client("mentor07")
    wrong = {
        "current_password": "a-guess",
        "new_password": "lantern harbour quietly 42",
        "new_password_again": "lantern harbour quietly 42",
    }
    for _ in range(4):
        assert (
            b"This is not your current password" in client.post("/account/password/", wrong).content
        )
    assert client.post("/account/password/", wrong).status_code == 429
    assert client.get("/").status_code == 302
    assert password_step(Client(), "mentor07").status_code == 429


def test_typed_codes_are_not_kept_in_the_lockout_records(client: Client) -> None:
    from axes.models import AccessAttempt

    password_step(client, "coordinator")
    client.post("/signin/code/", {"code": "314159"})
    assert "314159" not in str(list(AccessAttempt.objects.values_list("post_data", flat=True)))


def test_signed_in_pages_are_not_cached_and_carry_a_strict_policy() -> None:
    response = signed_in_client("coordinator").get("/")
    assert response["Cache-Control"] == "no-store"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_a_forged_forwarded_address_is_not_stored(client: Client, settings: Any) -> None:
    from backontrack.audit.models import AuditEvent

    settings.BACKONTRACK_PROXY_COUNT = 1
    password_step(client, "mentor01", "wrong", HTTP_X_FORWARDED_FOR="<script>" * 20)
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert event.address == ""
