"""Every URL, for every persona: who gets the page, who gets 404, who is sent to sign in.

A new URL pattern that is not listed here fails `test_every_url_is_in_the_matrix`.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from backontrack.accounts.models import Institution, Organisation, User
from backontrack.mentees.models import Consent, Mentee
from backontrack.referrals.models import Referral

from .conftest import PERSONA_NAMES, signed_in_client

pytestmark = pytest.mark.django_db

EVERYONE = "everyone"
ADMIN_ONLY = "admin only"
AUDITOR_ONLY = "auditor only"
COORDINATOR_ONLY = "coordinator only"
REFERRER_OR_COORDINATOR = "referrer or coordinator"
PUBLIC = "public"
PENDING_SIGNIN = "pending sign-in"
POST_ONLY = "post only"


def _ids() -> dict[str, str]:
    return {
        "user": str(User.objects.get(username="mentor05").pk),
        "organisation": str(Organisation.objects.first().pk),  # type: ignore[union-attr]
        "institution": str(Institution.objects.first().pk),  # type: ignore[union-attr]
        "mentee": str(Mentee.objects.first().pk),  # type: ignore[union-attr]
        # Referrals made by the demo referrer: one received, one in screening, one eligible.
        "referral": _referral("received"),
        "screening": _referral("screening"),
        "eligible": _referral("eligible"),
        "consent": str(Consent.objects.filter(withdrawn_on__isnull=True).first().pk),  # type: ignore[union-attr]
        "consent_mentee": str(
            Consent.objects.filter(withdrawn_on__isnull=True).first().mentee_id  # type: ignore[union-attr]
        ),
    }


def _referral(status: str) -> str:
    referral = (
        Referral.objects.filter(status=status, referred_by__username="referrer")
        .order_by("id")
        .first()
    )
    assert referral is not None
    return str(referral.pk)


# url name -> (path template, who may GET it)
MATRIX: dict[str, tuple[str, str]] = {
    "healthz": ("/healthz", PUBLIC),
    "signin": ("/signin/", PUBLIC),
    "set_language": ("/i18n/setlang/", PUBLIC),
    "signin_code": ("/signin/code/", PENDING_SIGNIN),
    "signin_enrol": ("/signin/enrol/", PENDING_SIGNIN),
    "signout": ("/signout/", POST_ONLY),
    "recovery_codes_regenerate": ("/account/recovery-codes/", POST_ONLY),
    "home": ("/", EVERYONE),
    "account": ("/account/", EVERYONE),
    "password_change": ("/account/password/", EVERYONE),
    "user_list": ("/admin/users/", ADMIN_ONLY),
    "user_create": ("/admin/users/new/", ADMIN_ONLY),
    "user_detail": ("/admin/users/{user}/", ADMIN_ONLY),
    "user_edit": ("/admin/users/{user}/edit/", ADMIN_ONLY),
    "user_action": ("/admin/users/{user}/reset-authenticator/", ADMIN_ONLY),
    "organisation_list": ("/admin/organisations/", ADMIN_ONLY),
    "organisation_create": ("/admin/organisations/new/", ADMIN_ONLY),
    "organisation_edit": ("/admin/organisations/{organisation}/edit/", ADMIN_ONLY),
    "institution_list": ("/admin/institutions/", ADMIN_ONLY),
    "institution_create": ("/admin/institutions/new/", ADMIN_ONLY),
    "institution_edit": ("/admin/institutions/{institution}/edit/", ADMIN_ONLY),
    "audit_log": ("/audit/", AUDITOR_ONLY),
    "audit_verify": ("/audit/verify/", POST_ONLY),
    "audit_person_lookup": ("/audit/people/", AUDITOR_ONLY),
    "audit_person": ("/audit/people/{mentee}/", AUDITOR_ONLY),
    "mentee_list": ("/mentees/", COORDINATOR_ONLY),
    "mentee_create": ("/mentees/new/", COORDINATOR_ONLY),
    "mentee_detail": ("/mentees/{mentee}/", COORDINATOR_ONLY),
    "mentee_edit": ("/mentees/{mentee}/edit/", COORDINATOR_ONLY),
    "custody_event_create": ("/mentees/{mentee}/custody/new/", COORDINATOR_ONLY),
    "referral_inbox": ("/referrals/", COORDINATOR_ONLY),
    "my_referrals": ("/referrals/mine/", REFERRER_OR_COORDINATOR),
    "referral_create": ("/referrals/new/", REFERRER_OR_COORDINATOR),
    # The referrer's own referral; someone else's is covered in tests/test_referrals.py.
    "referral_detail": ("/referrals/{referral}/", REFERRER_OR_COORDINATOR),
    "referral_move": ("/referrals/{referral}/move/withdrawn/", REFERRER_OR_COORDINATOR),
    "referral_screen": ("/referrals/{screening}/screen/", COORDINATOR_ONLY),
    "referral_accept": ("/referrals/{eligible}/accept/", COORDINATOR_ONLY),
    "consent_create": ("/mentees/{mentee}/consent/new/", COORDINATOR_ONLY),
    "consent_withdraw": (
        "/mentees/{consent_mentee}/consent/{consent}/withdraw/",
        COORDINATOR_ONLY,
    ),
}
ALLOWED = {
    ADMIN_ONLY: {"admin"},
    AUDITOR_ONLY: {"auditor"},
    COORDINATOR_ONLY: {"coordinator"},
    REFERRER_OR_COORDINATOR: {"referrer", "coordinator"},
}


def _url_names(patterns: list[URLPattern | URLResolver]) -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _url_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
        else:
            names.add(str(pattern.pattern))
    return names


def test_every_url_is_in_the_matrix() -> None:
    assert _url_names(get_resolver().url_patterns) == set(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_an_anonymous_visitor_reaches_only_public_pages(name: str, client: Client) -> None:
    path, access = MATRIX[name]
    response = client.get(path.format(**_ids()))
    if access == PUBLIC:
        assert response.status_code in {200, 302, 405}
        if response.status_code == 302:
            assert not response["Location"].startswith("/signin/?next=")
    elif access == PENDING_SIGNIN:
        assert response.status_code == 302
        assert response["Location"] == "/signin/"
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/signin/?next=")


@pytest.mark.parametrize("username", PERSONA_NAMES)
@pytest.mark.parametrize("name", sorted(n for n, (_, a) in MATRIX.items() if a != PUBLIC))
def test_each_persona_gets_exactly_what_the_matrix_says(name: str, username: str) -> None:
    path, access = MATRIX[name]
    response = signed_in_client(username).get(path.format(**_ids()))
    if access == EVERYONE:
        assert response.status_code == 200
    elif access in ALLOWED:
        assert response.status_code == (200 if username in ALLOWED[access] else 404)
    elif access == POST_ONLY:
        assert response.status_code == 405
    elif access == PENDING_SIGNIN:
        # Only reachable between the password and the code; a signed-in user is sent back.
        assert response.status_code == 302


@pytest.mark.parametrize("username", PERSONA_NAMES)
@pytest.mark.parametrize("name", sorted(n for n, (p, _) in MATRIX.items() if "{" in p))
def test_a_record_that_does_not_exist_is_not_found_for_anyone(name: str, username: str) -> None:
    path, access = MATRIX[name]
    missing = {key: "999999" for key in _ids()}
    response = signed_in_client(username).get(path.format(**missing))
    assert response.status_code == (405 if access == POST_ONLY else 404)


def test_the_navigation_shows_each_role_only_what_it_may_use() -> None:
    admin_page = signed_in_client("admin").get("/").content.decode()
    mentor_page = signed_in_client("mentor05").get("/").content.decode()
    assert 'href="/admin/users/"' in admin_page
    assert 'href="/admin/users/"' not in mentor_page
