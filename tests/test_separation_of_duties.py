"""No one, the administrator included, obtains a secret that signs in as someone else or
grants a case role alone (issue: separation of duties)."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from backontrack.accounts import services
from backontrack.accounts.models import (
    AccountRequest,
    Authenticator,
    Organisation,
    Role,
    SignInLink,
    User,
)
from backontrack.audit.models import AuditEvent
from backontrack.core.models import Installation

from .conftest import PASSWORD, current_code, signed_in_client
from .test_signin import code_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "granite meadow lantern 7"


@pytest.fixture
def admin() -> Client:
    return signed_in_client("admin")


def _link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/signin/link/[^\s]+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def _create(admin: Client, username: str, roles: list[str], **extra: str) -> User:
    response = admin.post(
        "/admin/users/new/",
        {
            "username": username,
            "first_name": "Jens",
            "last_name": "Kirk",
            "email": f"{username}@example.org",
            "language": "da",
            "organisation": Organisation.objects.get(name="Kriminalforsorgen").pk,
            "roles": roles,
            **extra,
        },
    )
    user = User.objects.get(username=username)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/users/{user.pk}/"
    return user


def _claim(path: str) -> Client:
    """Open the link (nothing happens: a mail scanner may follow it too) and Continue."""
    client = Client()
    opened = client.get(path)
    assert opened.status_code == 200
    assert b"Continue" in opened.content
    assert client.post(path)["Location"] == "/signin/link/"
    return client


def _set_up_from_link(path: str, username: str) -> Client:
    """What the person does with the link from their e-mail: choose a password, then set up
    the authenticator. Returns their signed-in browser."""
    client = _claim(path)
    chosen = client.post(
        "/signin/link/", {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert chosen["Location"] == "/signin/enrol/"
    client.get("/signin/enrol/")
    device = Authenticator.objects.get(user__username=username, confirmed=False)
    assert client.post("/signin/enrol/", {"code": code_for(device)}).status_code == 200
    return client


def test_creating_an_account_shows_the_admin_no_password_and_mails_the_person_a_link(
    admin: Client,
) -> None:
    response = admin.post(
        "/admin/users/new/",
        {
            "username": "trainer2",
            "first_name": "Jens",
            "last_name": "Kirk",
            "email": "jens.kirk@example.org",
            "language": "da",
            "organisation": Organisation.objects.get(name="Kriminalforsorgen").pk,
            "roles": [Role.TRAINER],
        },
        follow=True,
    )
    user = User.objects.get(username="trainer2")
    assert not user.has_usable_password()
    assert user.roles == ["trainer"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jens.kirk@example.org"]
    path = _link_in(message)
    token = path.split("/")[-2]
    # The admin's page names the address and the validity, never the link.
    page = response.content.decode()
    assert "jens.kirk@example.org" in page
    assert token not in page
    # The e-mail is in the person's language.
    assert "Kære Jens Kirk" in message.body
    assert SignInLink.objects.get(user=user).token_hash != token


def test_the_link_works_once_and_leads_through_password_and_authenticator(
    admin: Client,
) -> None:
    _create(admin, "trainer3", [Role.TRAINER])
    path = _link_in(mail.outbox[0])
    browser = _set_up_from_link(path, "trainer3")
    assert browser.get("/").status_code == 200
    user = User.objects.get(username="trainer3")
    assert user.check_password(NEW_PASSWORD)
    again = Client().get(path)
    assert again.status_code == 404
    assert b"This link cannot be used" in again.content


def test_an_expired_replaced_or_deactivated_link_cannot_be_used(admin: Client) -> None:
    user = _create(admin, "trainer4", [Role.TRAINER])
    first = _link_in(mail.outbox[0])
    admin.post(f"/admin/users/{user.pk}/send-link/")
    second = _link_in(mail.outbox[1])
    assert Client().get(first).status_code == 404
    SignInLink.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(second).status_code == 404
    admin.post(f"/admin/users/{user.pk}/send-link/")
    third = _link_in(mail.outbox[2])
    admin.post(f"/admin/users/{user.pk}/deactivate/")
    assert Client().get(third).status_code == 404


def test_a_case_role_waits_for_a_coordinators_approval(admin: Client) -> None:
    user = _create(admin, "mentor11", [Role.MENTOR, Role.COACH])
    assert user.roles == []
    assert mail.outbox == []
    waiting = AccountRequest.objects.filter(user=user, status=AccountRequest.Status.PENDING)
    assert sorted(waiting.values_list("role", flat=True)) == ["coach", "mentor"]
    assert set(waiting.values_list("approver_role", flat=True)) == {"coordinator"}

    # The administrator cannot approve it, not even by guessing the address.
    request = waiting.get(role=Role.MENTOR)
    assert admin.get(f"/approvals/{request.pk}/").status_code == 404
    assert admin.post(f"/approvals/{request.pk}/", {"decision": "approve"}).status_code == 404
    assert b"mentor11" not in admin.get("/approvals/").content

    coordinator = signed_in_client("coordinator")
    home = coordinator.get("/").content.decode()
    # Two for mentor11, and the demo's request for mentor03 to become a coach.
    assert "3 account changes wait for your approval" in home
    listing = coordinator.get("/approvals/").content.decode()
    assert "mentor11" in listing and "Grant the role Mentor" in listing
    refused = coordinator.post(f"/approvals/{request.pk}/", {"decision": "refuse"})
    assert b"Say why you refuse" in refused.content
    done = coordinator.post(f"/approvals/{request.pk}/", {"decision": "approve"})
    assert done["Location"] == "/approvals/"
    user.refresh_from_db()
    assert User.objects.get(pk=user.pk).roles == ["mentor"]
    # The approval sent the person their link, to the address the coordinator saw.
    assert [message.to for message in mail.outbox] == [["mentor11@example.org"]]
    coach = waiting.get(role=Role.COACH)
    coordinator.post(
        f"/approvals/{coach.pk}/", {"decision": "refuse", "reason": "Not trained as a coach."}
    )
    assert User.objects.get(pk=user.pk).roles == ["mentor"]
    detail = admin.get(f"/admin/users/{user.pk}/").content.decode()
    assert "Not trained as a coach." in detail
    assert AuditEvent.objects.filter(
        object_type="accounts.accountrequest",
        object_id=str(coach.pk),
        actor__username="coordinator",
    ).exists()


def test_the_auditor_role_needs_another_administrator(admin: Client) -> None:
    user = _create(admin, "dpo2", [Role.AUDITOR])
    assert user.roles == []
    request = AccountRequest.objects.get(user=user, role=Role.AUDITOR)
    assert request.approver_role == Role.ADMIN
    assert admin.get(f"/approvals/{request.pk}/").status_code == 404
    assert signed_in_client("coordinator").get(f"/approvals/{request.pk}/").status_code == 404

    second = User.objects.create(username="admin2", organisation=user.organisation)
    second.role_grants.create(role=Role.ADMIN)
    other_admin = signed_in_client("admin2")
    assert other_admin.post(f"/approvals/{request.pk}/", {"decision": "approve"}).status_code == 302
    assert User.objects.get(pk=user.pk).roles == ["auditor"]


def test_nobody_approves_a_change_to_their_own_account(admin: Client) -> None:
    coordinator = User.objects.get(username="coordinator")
    request = services._request(
        actor=User.objects.get(username="admin"),
        user=coordinator,
        kind=AccountRequest.Kind.GRANT_ROLE,
        role=Role.COACH,
        approver_role=Role.COORDINATOR,
    )
    client = signed_in_client("coordinator")
    assert client.get(f"/approvals/{request.pk}/").status_code == 404
    with pytest.raises(services.AccountRefused):
        services.account_request_decide(actor=coordinator, request=request, approve=True)
    assert "coach" not in User.objects.get(pk=coordinator.pk).roles


def test_the_auditor_role_is_never_combined_with_a_role_that_reads_cases(admin: Client) -> None:
    organisation = Organisation.objects.get(name="Kriminalforsorgen")
    for combination in ([Role.AUDITOR, Role.COORDINATOR], [Role.AUDITOR, Role.REFERRER]):
        response = admin.post(
            "/admin/users/new/",
            {
                "username": "mixed",
                "first_name": "A",
                "last_name": "B",
                "email": "mixed@example.org",
                "organisation": organisation.pk,
                "roles": combination,
            },
        )
        assert b"The auditor role cannot be combined" in response.content
    assert not User.objects.filter(username="mixed").exists()
    # Nor by approving one request after another.
    auditor = User.objects.get(username="auditor")
    request = services._request(
        actor=User.objects.get(username="admin"),
        user=auditor,
        kind=AccountRequest.Kind.GRANT_ROLE,
        role=Role.COORDINATOR,
        approver_role=Role.COORDINATOR,
    )
    with pytest.raises(services.AccountRefused, match="auditor role cannot be combined"):
        services.account_request_decide(
            actor=User.objects.get(username="coordinator"), request=request, approve=True
        )


def test_resetting_the_authenticator_gives_the_admin_nothing_that_signs_in(admin: Client) -> None:
    mentor = User.objects.get(username="mentor05")
    response = admin.post(f"/admin/users/{mentor.pk}/reset-authenticator/", follow=True)
    assert not Authenticator.objects.filter(user=mentor).exists()
    assert mail.outbox[0].to == ["mentor05@example.org"]
    path = _link_in(mail.outbox[0])
    assert path.split("/")[-2] not in response.content.decode()
    assert b"mentor05@example.org" in response.content
    # A known password alone does not set up a phone...
    old = Client().post("/signin/", {"username": "mentor05", "password": PASSWORD})
    assert old.status_code == 200
    assert b"Your sign-in is not set up" in old.content
    # ...and the mailbox alone does not either: the link asks for the password.
    browser = _claim(path)
    wrong = browser.post("/signin/link/", {"current_password": "not-the-password"})
    assert b"That is not right" in wrong.content
    right = browser.post("/signin/link/", {"current_password": PASSWORD})
    assert right["Location"] == "/signin/enrol/"
    browser.get("/signin/enrol/")
    device = Authenticator.objects.get(user=mentor, confirmed=False)
    assert browser.post("/signin/enrol/", {"code": code_for(device)}).status_code == 200
    assert b"As mentor" in browser.get("/").content


def test_a_full_reset_waits_for_a_second_person_who_knows_the_person(admin: Client) -> None:
    mentor = User.objects.get(username="mentor04")
    admin.post(f"/admin/users/{mentor.pk}/full-reset/")
    assert mail.outbox == []
    assert User.objects.get(pk=mentor.pk).check_password(PASSWORD)
    request = AccountRequest.objects.get(user=mentor, kind=AccountRequest.Kind.FULL_RESET)
    assert admin.get(f"/approvals/{request.pk}/").status_code == 404
    signed_in_client("coordinator").post(f"/approvals/{request.pk}/", {"decision": "approve"})
    assert not User.objects.get(pk=mentor.pk).has_usable_password()
    assert not Authenticator.objects.filter(user=mentor).exists()
    browser = _set_up_from_link(_link_in(mail.outbox[0]), "mentor04")
    assert b"As mentor" in browser.get("/").content


def test_a_link_is_claimed_by_the_first_browser_that_continues(admin: Client) -> None:
    _create(admin, "trainer6", [Role.TRAINER])
    path = _link_in(mail.outbox[0])
    first = _claim(path)
    second = Client()
    assert second.get(path).status_code == 200  # opening changes nothing
    assert second.post(path).status_code == 404
    assert first.get("/signin/link/").status_code == 200
    link = SignInLink.objects.get(user__username="trainer6")
    assert link.expires_at <= timezone.now() + timedelta(minutes=30)
    # The session holds the link's number, never its token.
    assert path.split("/")[-2] not in str(dict(first.session))


def test_a_signed_in_browser_is_asked_to_sign_out_without_spending_the_link(
    admin: Client,
) -> None:
    _create(admin, "trainer7", [Role.TRAINER])
    path = _link_in(mail.outbox[0])
    response = signed_in_client("mentor03").get(path)
    assert response.status_code == 200
    assert b"Sign out first" in response.content
    assert _claim(path).get("/signin/link/").status_code == 200


def test_another_account_of_the_same_person_cannot_approve(admin: Client) -> None:
    rasmus = User.objects.get(username="admin")
    casework = User.objects.create(
        username="rasmus-casework",
        first_name=rasmus.first_name,
        last_name=rasmus.last_name,
        email="rasmus.casework@example.org",
        organisation=rasmus.organisation,
    )
    casework.role_grants.create(role=Role.COORDINATOR)
    user = _create(admin, "mentor12", [Role.MENTOR])
    request = AccountRequest.objects.get(user=user)
    assert signed_in_client("rasmus-casework").get(f"/approvals/{request.pk}/").status_code == 404
    assert signed_in_client("coordinator").get(f"/approvals/{request.pk}/").status_code == 200


def test_each_account_has_its_own_email_address(admin: Client) -> None:
    response = admin.post(
        "/admin/users/new/",
        {
            "username": "copycat",
            "first_name": "Copy",
            "last_name": "Cat",
            "email": "MENTOR05@example.org",
            "organisation": Organisation.objects.get(name="Kriminalforsorgen").pk,
            "roles": [Role.TRAINER],
        },
    )
    assert b"Another account has this e-mail address" in response.content
    assert not User.objects.filter(username="copycat").exists()


def test_a_reactivated_leaver_gets_case_roles_back_only_with_approval(admin: Client) -> None:
    mentor = User.objects.get(username="mentor10")
    link_sent = services.signin_link_issue(actor=None, user=mentor, purpose="password")
    admin.post(f"/admin/users/{mentor.pk}/deactivate/")
    assert Client().get(f"/signin/link/{link_sent}/").status_code == 404
    admin.post(f"/admin/users/{mentor.pk}/reactivate/")
    mentor = User.objects.get(pk=mentor.pk)
    assert mentor.roles == []
    assert services.pending_roles(mentor) == {"mentor"}
    assert Client().get(f"/signin/link/{link_sent}/").status_code == 404


def test_withdrawing_a_waiting_role_is_audited(admin: Client) -> None:
    user = _create(admin, "mentor13", [Role.MENTOR])
    request = AccountRequest.objects.get(user=user)
    user = User.objects.get(pk=user.pk)
    admin.post(
        f"/admin/users/{user.pk}/edit/",
        {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "organisation": user.organisation_id,
            "roles": [Role.TRAINER],
            "version": user.version,
        },
    )
    request.refresh_from_db()
    assert request.status == AccountRequest.Status.CANCELLED
    assert AuditEvent.objects.filter(
        object_type="accounts.accountrequest",
        object_id=str(request.pk),
        detail__endswith="cancelled",
    ).exists()


def test_a_password_reset_link_also_asks_for_the_one_time_code(admin: Client) -> None:
    mentor = User.objects.get(username="mentor02")
    admin.post(f"/admin/users/{mentor.pk}/reset-password/")
    path = _link_in(mail.outbox[0])
    browser = _claim(path)
    wrong = browser.post(
        "/signin/link/",
        {"code": "000000", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert b"That is not right" in wrong.content
    assert AuditEvent.objects.filter(actor_username="mentor02", action="sign_in_failed").exists()
    # django-otp refuses any code for a moment after a wrong one; this test does not wait.
    Authenticator.objects.get(user=mentor).throttle_reset()
    done = browser.post(
        "/signin/link/",
        {
            "code": current_code("mentor02"),
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert done["Location"] == "/"
    assert User.objects.get(pk=mentor.pk).check_password(NEW_PASSWORD)


def test_a_link_never_replaces_a_working_authenticators_password_without_its_code(
    admin: Client,
) -> None:
    mentor = User.objects.get(username="mentor09")
    # Resending a set-up link is refused for an account in use; a link issued anyway
    # (here, directly) still asks for the code.
    refused = admin.post(f"/admin/users/{mentor.pk}/send-link/", follow=True)
    assert b"This account is set up already" in refused.content
    assert mail.outbox == []
    token = services.signin_link_issue(actor=None, user=mentor, purpose="new_account")
    browser = _claim(f"/signin/link/{token}/")
    without_code = browser.post(
        "/signin/link/", {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert without_code.status_code == 200
    assert b"One-time code" in without_code.content
    assert User.objects.get(pk=mentor.pk).check_password(PASSWORD)


def test_an_email_change_on_a_case_account_waits_for_approval(admin: Client) -> None:
    mentor = User.objects.get(username="mentor06")
    admin.post(
        f"/admin/users/{mentor.pk}/edit/",
        {
            "first_name": mentor.first_name,
            "last_name": mentor.last_name,
            "email": "somebody-else@example.org",
            "organisation": mentor.organisation_id,
            "roles": mentor.roles,
            "version": mentor.version,
        },
    )
    mentor.refresh_from_db()
    assert mentor.email == "mentor06@example.org"
    # A reset meanwhile still goes to the person's own address.
    admin.post(f"/admin/users/{mentor.pk}/reset-password/")
    assert mail.outbox[-1].to == ["mentor06@example.org"]
    request = AccountRequest.objects.get(user=mentor, kind=AccountRequest.Kind.CHANGE_EMAIL)
    signed_in_client("coordinator").post(f"/approvals/{request.pk}/", {"decision": "approve"})
    assert User.objects.get(pk=mentor.pk).email == "somebody-else@example.org"


def test_an_email_change_on_any_other_account_waits_for_another_administrator(
    admin: Client,
) -> None:
    trainer = User.objects.get(username="trainer")
    admin.post(
        f"/admin/users/{trainer.pk}/edit/",
        {
            "first_name": trainer.first_name,
            "last_name": trainer.last_name,
            "email": "admins-own@example.org",
            "organisation": trainer.organisation_id,
            "roles": trainer.roles,
            "version": trainer.version,
        },
    )
    request = AccountRequest.objects.get(user=trainer, kind=AccountRequest.Kind.CHANGE_EMAIL)
    assert request.approver_role == Role.ADMIN
    assert admin.get(f"/approvals/{request.pk}/").status_code == 404
    assert signed_in_client("coordinator").get(f"/approvals/{request.pk}/").status_code == 404
    assert User.objects.get(pk=trainer.pk).email == "trainer@example.org"


def test_the_auditor_sees_grants_and_resets_as_they_happen(admin: Client) -> None:
    mentor = User.objects.get(username="mentor07")
    admin.post(f"/admin/users/{mentor.pk}/reset-authenticator/")
    _create(admin, "coordinator3", [Role.COORDINATOR])
    home = signed_in_client("auditor").get("/").content.decode()
    assert "mentor07" in home and "Set up the authenticator again" in home
    assert "coordinator3" in home and "Grant the role Coordinator" in home
    assert "Waiting for approval" in home


def test_the_sign_in_link_command_works_on_a_demo_database_only(admin: Client) -> None:
    with pytest.raises(CommandError, match="waiting for a sign-in link"):
        call_command("signin-link", "mentor03")
    user = _create(admin, "trainer5", [Role.TRAINER])
    out = StringIO()
    call_command("signin-link", "trainer5", stdout=out)
    path = out.getvalue().strip().removeprefix("http://127.0.0.1:8000")
    _claim(path)
    # The link in the e-mail was replaced by the printed one.
    assert Client().get(_link_in(mail.outbox[0])).status_code == 404
    Installation.objects.update(is_demo=False)
    with pytest.raises(CommandError, match="not a demo database"):
        call_command("signin-link", user.username)
