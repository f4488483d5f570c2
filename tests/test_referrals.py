from datetime import date
from itertools import product
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import Institution, Organisation, Role, RoleGrant, User
from backontrack.audit.models import Action, AuditEvent
from backontrack.core.errors import Refused
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme
from backontrack.referrals import services
from backontrack.referrals.models import Referral, ReferralTransition, Status
from backontrack.referrals.transitions import TRANSITIONS

from .conftest import PERSONA_NAMES, signed_in_client

pytestmark = pytest.mark.django_db

PERSONAL_ID = "020288-1233"


@pytest.fixture
def referrer() -> Client:
    return signed_in_client("referrer")


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "first_name": "Jonas",
        "last_name": "Vinter",
        "personal_id": PERSONAL_ID,
        "date_of_birth": "1988-02-02",
        "gender": "male",
        "languages": ["da", "ar"],
        "institution": Institution.objects.get(name="Københavns Fængsler").pk,
        "custody_status": "remand",
        "data_subject_category": "suspect",
        "referring_unit": "Københavns Fængsler, afdeling B",
        "referred_on": "2026-11-20",
        "hate_crime": "on",
        "hate_crime_motive": "ethnicity",
        "orientation": "right_wing",
        "reason": "Talks about a coming race war; charged with a racially motivated assault.",
    }
    data.update(overrides)
    return data


def _submit(client: Client, **overrides: Any) -> Referral:
    response = client.post("/referrals/new/", _form(**overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Referral.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def test_a_referrer_submits_and_sees_the_status_and_what_they_sent(referrer: Client) -> None:
    referral = _submit(referrer)
    assert referral.status == Status.RECEIVED
    assert referral.mentee.personal_id == "020288-1233"
    assert referral.mentee.languages == ["ar", "da"]
    assert list(referral.transitions.values_list("to_status", flat=True)) == ["received"]
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="referrals.referral", object_id=str(referral.pk)
    ).exists()

    page = referrer.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Received" in page
    # A read-only copy of their own submission, never the register's record or the history.
    assert "What you sent" in page
    assert "race war" in page and "Right-wing" in page and "afdeling B" in page
    assert "Person in the register" not in page and "History" not in page
    assert "<form" not in page.split("What you sent")[1].split("</main>")[0]
    event = AuditEvent.objects.filter(
        action=Action.VIEW, object_type="referrals.referral", object_id=str(referral.pk)
    ).latest("id")
    assert {"reason", "criteria", "orientation"} <= set(event.fields)
    assert referral.referred_name in referrer.get("/referrals/mine/").content.decode()

    coordinator_page = signed_in_client("coordinator").get(f"/referrals/{referral.pk}/")
    assert "race war" in coordinator_page.content.decode()


def _another_referrer() -> Client:
    colleague = User.objects.create(username="referrer2", organisation=Organisation.objects.first())
    RoleGrant.objects.create(user=colleague, role=Role.REFERRER)
    return signed_in_client("referrer2")


def test_an_open_referral_for_the_same_person_is_pointed_out_and_nothing_is_sent(
    referrer: Client,
) -> None:
    first = _submit(referrer)
    referrals = Referral.objects.count()
    response = referrer.post("/referrals/new/", _form(first_name="Jonny"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This person already has an open referral" in page
    assert f'href="/referrals/{first.pk}/"' in page
    assert "Jonny" in page  # the form keeps what was typed
    assert Referral.objects.count() == referrals
    # The same for the coordinator, who sees every referral.
    response = signed_in_client("coordinator").post("/referrals/new/", _form())
    assert f'href="/referrals/{first.pk}/"' in response.content.decode()
    assert Referral.objects.count() == referrals
    # Once the first is closed, the person can be referred again, to the same record.
    services.referral_move(
        actor=first.referred_by,
        referral=first,
        version=first.version,
        to_status=Status.WITHDRAWN,
        reason="Sent with the wrong unit.",
    )
    second = _submit(referrer, first_name="Jonny", personal_id="0202881233")
    assert second.mentee_id == first.mentee_id


def test_another_referrers_open_referral_is_not_revealed_but_the_coordinator_sees_both(
    referrer: Client,
) -> None:
    first = _submit(referrer)
    mentees = Mentee.objects.count()
    second = _submit(_another_referrer(), first_name="Jonny", personal_id="0202881233")
    assert second.mentee_id == first.mentee_id
    assert Mentee.objects.count() == mentees
    # The referrer sees the name they gave, not what the register holds.
    page = signed_in_client("referrer2").get(f"/referrals/{second.pk}/").content.decode()
    assert "Jonny Vinter" in page
    assert "Jonas Vinter" not in page
    assert f"/referrals/{first.pk}/" not in page
    coordinator = signed_in_client("coordinator")
    detail = coordinator.get(f"/referrals/{second.pk}/").content.decode()
    assert "This person has another open referral" in detail
    assert f'href="/referrals/{first.pk}/"' in detail
    inbox = coordinator.get("/referrals/").content.decode()
    assert inbox.count("Referred more than once") == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hate_crime": "", "hate_crime_motive": ""}, "Tick at least one of the programme"),
        ({"hate_crime_motive": ""}, "Choose the motive of the hate crime"),
        ({"vulnerable": "on", "vulnerability_rationale": ""}, "Say why the person is vulnerable"),
        ({"referred_on": "2999-01-01"}, "cannot be in the future"),
        ({"personal_id": "12"}, "Enter the number as 10 digits"),
        ({"reason": ""}, "This field is required"),
        ({"orientation": ""}, "This field is required"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    referrer: Client, overrides: dict[str, str], message: str
) -> None:
    referrals, mentees = Referral.objects.count(), Mentee.objects.count()
    response = referrer.post("/referrals/new/", _form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Referral.objects.count(), Mentee.objects.count()) == (referrals, mentees)


def test_another_referrer_cannot_see_or_move_the_referral(referrer: Client) -> None:
    referral = _submit(referrer)
    other = _another_referrer()
    assert other.get(f"/referrals/{referral.pk}/").status_code == 404
    assert other.get(f"/referrals/{referral.pk}/move/withdrawn/").status_code == 404
    assert referral.pk not in [r.pk for r in other.get("/referrals/mine/").context["page"]]


def test_withdrawing_needs_a_reason_and_is_recorded(referrer: Client) -> None:
    referral = _submit(referrer)
    empty = referrer.post(
        f"/referrals/{referral.pk}/move/withdrawn/", {"version": referral.version, "reason": ""}
    )
    assert b"This field is required" in empty.content
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED
    referrer.post(
        f"/referrals/{referral.pk}/move/withdrawn/",
        {"version": referral.version, "reason": "Released before screening."},
    )
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN
    move = referral.transitions.last()
    assert move is not None and move.reason == "Released before screening."
    event = AuditEvent.objects.filter(
        action=Action.CHANGE, object_type="referrals.referral", object_id=str(referral.pk)
    ).get()
    assert event.detail == "received -> withdrawn"
    assert "Released before" not in str(event.__dict__)


ALL_STATUSES = list(Status.values)


@pytest.mark.parametrize("username", PERSONA_NAMES)
def test_every_move_is_allowed_only_to_the_roles_in_the_table(username: str) -> None:
    actor = User.objects.get(username=username)
    owner = User.objects.get(username="referrer")
    mentee = Mentee.objects.order_by("id").first()
    assert mentee is not None
    for from_status, to_status in product(ALL_STATUSES, ALL_STATUSES):
        referral = Referral.objects.create(
            programme=Programme.objects.default(),
            mentee=mentee,
            referred_name="Test Person",
            referred_by=owner,
            referring_unit="Unit",
            referred_on=timezone.localdate(),
            reason="r",
            orientation="mixed",
            status=from_status,
            status_changed_at=timezone.now(),
            vulnerable=True,
            vulnerability_rationale="v",
        )
        roles = TRANSITIONS.get((from_status, to_status), frozenset())
        # The programme's coordinator makes the coordinator's moves (not the coordinator of
        # another programme); the referrer who made the referral those of a referrer.
        expected = to_status not in services.MOVES_WITH_THEIR_OWN_SERVICE and (
            (Role.COORDINATOR in roles and username in {"coordinator", "coordinator2"})
            or (Role.REFERRER in roles and username == "referrer")
        )
        try:
            services.referral_move(
                actor=actor, referral=referral, version=0, to_status=to_status, reason="why"
            )
        except services.MoveRefused:
            moved = False
        else:
            moved = True
        assert moved == expected, (username, from_status, to_status)
        referral.refresh_from_db()
        assert referral.status == (to_status if moved else from_status)
        assert ReferralTransition.objects.filter(referral=referral).count() == int(moved)


def test_the_inbox_filters_and_shows_who_has_waited_too_long(settings: Any) -> None:
    Programme.objects.update(referral_wait_days=10)
    coordinator = signed_in_client("coordinator")
    page = coordinator.get("/referrals/")
    shown = list(page.context["page"].object_list)
    assert shown and all(
        r.status in {"received", "screening", "eligible", "accepted"} for r in shown
    )
    assert b"overdue" in page.content  # the demo has a referral waiting 12 and 21 days
    hate = coordinator.get("/referrals/", {"criterion": "hate_crime"})
    assert all(r.hate_crime for r in hate.context["page"].object_list)
    old = coordinator.get("/referrals/", {"waited_days": "20"})
    assert all(
        (timezone.localdate() - r.referred_on).days >= 20 for r in old.context["page"].object_list
    )
    assert AuditEvent.objects.filter(
        action=Action.SEARCH, object_type="referrals.referral"
    ).exists()


def test_the_inbox_query_count_does_not_grow(referrer: Client) -> None:
    coordinator = signed_in_client("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator.get("/referrals/").status_code == 200
        return len(queries)

    before = count()
    for number in range(6):
        _submit(
            referrer, personal_id=f"02028{number}-12{number}3", date_of_birth=f"198{number}-02-02"
        )
    assert count() == before


# --- Screening, consent and acceptance ----------------------------------------------------

from backontrack.referrals.eligibility import NEEDS_INFORMATION, recommend  # noqa: E402
from backontrack.referrals.models import Finding, Screening  # noqa: E402

C, N, U = Finding.CONFIRMED, Finding.NOT_CONFIRMED, Finding.UNCLEAR
KEYS = ("charged", "convicted", "hate_crime", "vulnerability")


@pytest.mark.parametrize("values", list(product([C, N, U], repeat=4)))
def test_the_rules_always_give_the_same_recommendation(values: tuple[str, ...]) -> None:
    findings = dict(zip(KEYS, values, strict=True))
    outcome = recommend(findings).outcome
    assert outcome == recommend(dict(findings)).outcome
    if C in values:
        assert outcome == Status.ELIGIBLE
    elif U in values:
        assert outcome == NEEDS_INFORMATION
    else:
        assert outcome == Status.NOT_ELIGIBLE


def _in_screening(client: Client) -> Referral:
    referral = _submit(client)
    services.referral_move(
        actor=User.objects.get(username="coordinator"),
        referral=referral,
        version=referral.version,
        to_status=Status.SCREENING,
    )
    referral.refresh_from_db()
    return referral


def _screening_form(referral: Referral, **overrides: Any) -> dict[str, Any]:
    data = {
        "version": referral.version,
        "charged_finding": "not_confirmed",
        "convicted_finding": "not_confirmed",
        "hate_crime_finding": "confirmed",
        "hate_crime_evidence": "Judgment of 3 March: racially motivated assault.",
        "vulnerability_finding": "unclear",
        "decision": "eligible",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"decision": "not_eligible"}, "Choose the reason code"),
        ({"decision": "not_eligible", "not_eligible_reason": "other"}, "Say why the person is not"),
        (
            {"convicted_finding": "confirmed", "conviction_date": "2999-01-01"},
            "cannot be in the future",
        ),
        ({"convicted_finding": "confirmed"}, "Give the date of the conviction"),
        (
            {"decision": "not_eligible", "not_eligible_reason": "other", "decision_note": "x"},
            "differs from the recommendation",
        ),
        ({"hate_crime_finding": None}, "This field is required"),
    ],
)
def test_bad_screening_input_gets_a_message_and_changes_nothing(
    referrer: Client, overrides: dict[str, Any], message: str
) -> None:
    referral = _in_screening(referrer)
    coordinator = signed_in_client("coordinator")
    response = coordinator.post(
        f"/referrals/{referral.pk}/screen/", _screening_form(referral, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.SCREENING
    assert not Screening.objects.filter(referral=referral).exists()


def test_a_screening_override_is_recorded_with_its_reason(referrer: Client) -> None:
    referral = _in_screening(referrer)
    coordinator = signed_in_client("coordinator")
    coordinator.post(
        f"/referrals/{referral.pk}/screen/",
        _screening_form(
            referral,
            decision="not_eligible",
            not_eligible_reason="already_in_programme",
            decision_note="In the general mentor scheme already.",
            override_reason="Already has a mentor in the general scheme.",
        ),
    )
    referral.refresh_from_db()
    assert referral.status == Status.NOT_ELIGIBLE
    screening = referral.screening
    assert screening.overridden
    assert screening.recommendation == Status.ELIGIBLE
    assert screening.override_reason == "Already has a mentor in the general scheme."
    page = coordinator.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Differs from the recommendation" in page
    # The referrer sees the outcome, not the screening.
    mine = referrer.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Not eligible" in mine
    assert "general scheme" not in mine


def test_acceptance_needs_recorded_consent_and_lost_consent_stops_it(referrer: Client) -> None:
    referral = _in_screening(referrer)
    coordinator = signed_in_client("coordinator")
    coordinator.post(f"/referrals/{referral.pk}/screen/", _screening_form(referral))
    referral.refresh_from_db()
    assert referral.status == Status.ELIGIBLE

    page = coordinator.get(f"/referrals/{referral.pk}/accept/")
    assert b"No consent to take part is recorded yet" in page.content
    refused = coordinator.post(
        f"/referrals/{referral.pk}/accept/", {"version": referral.version}, follow=True
    )
    assert b"Record the mentee" in refused.content
    referral.refresh_from_db()
    assert referral.status == Status.ELIGIBLE

    no_scope = coordinator.post(
        f"/mentees/{referral.mentee_id}/consent/new/", {"given_on": "2026-11-01", "how": "oral"}
    )
    assert b"Tick what the mentee consented to" in no_scope.content
    coordinator.post(
        f"/mentees/{referral.mentee_id}/consent/new/",
        {"given_on": "2026-11-01", "how": "written", "participation": "on"},
    )
    coordinator.post(f"/referrals/{referral.pk}/accept/", {"version": referral.version})
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert "Accepted" in referrer.get(f"/referrals/{referral.pk}/").content.decode()

    consent = referral.mentee.consents.get()
    coordinator.post(
        f"/mentees/{referral.mentee_id}/consent/{consent.pk}/withdraw/",
        {"withdrawn_on": "2026-11-20", "note": "Does not want to continue."},
    )
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN
    assert "consent" in referral.transitions.last().reason_text()  # type: ignore[union-attr]
    record = coordinator.get(f"/mentees/{referral.mentee_id}/").content.decode()
    assert "Withdrawn" in record
    actions = list(
        AuditEvent.objects.filter(object_type="mentees.consent")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["create", "change"]
    # Sent again from a page opened before (the consent object as it was then): refused,
    # the withdrawal recorded once.
    with pytest.raises(Refused, match="withdrawn already"):
        services.consent_withdraw(
            actor=User.objects.get(username="coordinator"),
            consent=consent,
            withdrawn_on=date(2026, 11, 21),
            note="",
        )
    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2026, 11, 20)


@pytest.mark.parametrize(
    "username", [n for n in PERSONA_NAMES if n not in {"coordinator", "coordinator2"}]
)
def test_only_the_coordinator_screens_and_accepts(username: str, referrer: Client) -> None:
    referral = _in_screening(referrer)
    actor = User.objects.get(username=username)
    data = services.ScreeningData(
        findings={"charged": N, "convicted": N, "hate_crime": C, "vulnerability": N},
        evidence={},
        conviction_date=None,
        decision=Status.ELIGIBLE,
        not_eligible_reason="",
        decision_note="",
        override_reason="",
    )
    with pytest.raises(services.MoveRefused):
        services.referral_screen(
            actor=actor, referral=referral, version=referral.version, data=data
        )
    services.referral_screen(
        actor=User.objects.get(username="coordinator"),
        referral=referral,
        version=referral.version,
        data=data,
    )
    referral.refresh_from_db()
    with pytest.raises(services.MoveRefused):
        services.referral_accept(actor=actor, referral=referral, version=referral.version)
    assert signed_in_client(username).get(f"/referrals/{referral.pk}/screen/").status_code == 404
    assert signed_in_client(username).get(f"/referrals/{referral.pk}/accept/").status_code == 404


def test_back_after_a_step_leads_to_the_referral_with_a_word_not_a_404() -> None:
    coordinator = signed_in_client("coordinator")
    referral = Referral.objects.filter(status=Status.MATCHED).order_by("id").first()
    assert referral is not None
    for step in ["accept/", "screen/", "move/withdrawn/"]:
        response = coordinator.get(f"/referrals/{referral.pk}/{step}", follow=True)
        assert response.redirect_chain == [(f"/referrals/{referral.pk}/", 302)], step
        assert "so that step is no longer open" in response.content.decode()
    # Someone who may not take the step at all still gets the page everyone gets for it.
    assert signed_in_client("referrer").get(f"/referrals/{referral.pk}/accept/").status_code == 404


# --- Forms that tell the truth and guess nothing -------------------------------------------

import re  # noqa: E402

from backontrack.mentees.models import DataSubjectCategory  # noqa: E402


def _label_of(page: str, field: str) -> str:
    match = re.search(rf'<label class="form-label" for="id_{field}">(.*?)</label>', page, re.S)
    assert match is not None, field
    return match.group(1)


def _hint_of(page: str, field: str) -> str:
    match = re.search(rf'<span class="form-hint" id="id_{field}-hint">(.*?)</span>', page, re.S)
    assert match is not None, field
    return match.group(1)


def test_the_referral_form_marks_conditional_fields_as_such_and_preselects_no_guess(
    referrer: Client,
) -> None:
    page = referrer.get("/referrals/new/").content.decode()
    for field, when in [
        ("hate_crime_motive", "Required when the offence was aggravated as a hate crime."),
        ("vulnerability_rationale", "Required when the person is vulnerable"),
        ("data_subject_category", "Required when the person is released."),
    ]:
        assert "optional" not in _label_of(page, field), field
        assert _hint_of(page, field).startswith(when), field
    assert "optional" in _label_of(page, "institution")
    for field in ["gender", "custody_status", "data_subject_category"]:
        select = re.search(rf'<select name="{field}".*?</select>', page, re.S)
        assert select is not None, field
        # Only the empty choice may be selected: the person has to choose.
        assert re.findall(r'<option value="([^"]*)" selected', select.group(0)) in ([], [""])
        assert "— choose —</option>" in select.group(0)
    assert 'name="languages"' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"gender": ""}, "This field is required"),
        ({"custody_status": ""}, "This field is required"),
        ({"languages": []}, "Tick at least one language the person speaks."),
        (
            {"custody_status": "released", "data_subject_category": ""},
            "Choose the data-subject category.",
        ),
    ],
)
def test_what_cannot_be_guessed_must_be_given(
    referrer: Client, overrides: dict[str, Any], message: str
) -> None:
    referrals = Referral.objects.count()
    response = referrer.post("/referrals/new/", _form(**overrides))
    assert message in response.content.decode()
    assert Referral.objects.count() == referrals


@pytest.mark.parametrize(
    ("custody_status", "sent", "stored"),
    [
        ("remand", "convicted", DataSubjectCategory.SUSPECT),
        ("sentenced", "", DataSubjectCategory.CONVICTED),
        ("on_licence", "other", DataSubjectCategory.CONVICTED),
        ("acquitted", "", DataSubjectCategory.OTHER),
        ("released", "other", DataSubjectCategory.OTHER),
    ],
)
def test_the_data_subject_category_follows_from_the_custody_status(
    referrer: Client, custody_status: str, sent: str, stored: str
) -> None:
    referral = _submit(referrer, custody_status=custody_status, data_subject_category=sent)
    assert referral.mentee.data_subject_category == stored


def test_the_screening_form_says_when_each_conditional_field_is_required(
    referrer: Client,
) -> None:
    referral = _in_screening(referrer)
    page = signed_in_client("coordinator").get(f"/referrals/{referral.pk}/screen/")
    html = page.content.decode()
    for field, when in [
        ("not_eligible_reason", "Required when the person is not eligible."),
        ("decision_note", "Required when the person is not eligible."),
        ("conviction_date", "Required when the conviction for terrorism is confirmed."),
        ("override_reason", "Required when you decide otherwise"),
    ]:
        assert "optional" not in _label_of(html, field), field
        assert _hint_of(html, field).startswith(when), field
    assert _label_of(html, "not_eligible_reason") == "Reason code"


# --- Moves that say what will happen --------------------------------------------------------


def test_screening_starts_with_one_button_on_the_referral_and_opens_the_screening(
    referrer: Client,
) -> None:
    referral = _submit(referrer)
    coordinator = signed_in_client("coordinator")
    page = coordinator.get(f"/referrals/{referral.pk}/").content.decode()
    action = f"/referrals/{referral.pk}/move/screening/"
    assert f'<form method="post" action="{action}">' in page
    assert f'href="{action}"' not in page
    response = coordinator.post(action, {"version": referral.version})
    assert response["Location"] == f"/referrals/{referral.pk}/screen/"
    referral.refresh_from_db()
    assert referral.status == Status.SCREENING


def test_the_withdrawal_page_asks_and_says_what_will_happen(referrer: Client) -> None:
    referral = _submit(referrer)
    page = referrer.get(f"/referrals/{referral.pk}/move/withdrawn/").content.decode()
    assert f"<h1>Withdraw the referral of {referral.referred_name}?</h1>" in page
    assert "cannot be reopened" in page
    assert ">Withdraw the referral</button>" in page
    assert "Withdrawn:" not in page


# --- The referrer's list and outcome ---------------------------------------------------------


def test_my_referrals_are_newest_first_and_not_eligible_says_why_in_words(
    referrer: Client,
) -> None:
    older = _submit(referrer, referred_on="2026-10-01")
    newer = _submit(
        referrer, personal_id="030389-1234", date_of_birth="1989-03-03", referred_on="2026-11-25"
    )
    services.referral_move(
        actor=User.objects.get(username="coordinator"),
        referral=older,
        version=older.version,
        to_status=Status.SCREENING,
    )
    older.refresh_from_db()
    signed_in_client("coordinator").post(
        f"/referrals/{older.pk}/screen/",
        _screening_form(
            older,
            hate_crime_finding="not_confirmed",
            vulnerability_finding="not_confirmed",
            decision="not_eligible",
            not_eligible_reason="outside_target_group",
            decision_note="Internal: talked to the wing officer.",
        ),
    )
    older.refresh_from_db()
    assert older.status == Status.NOT_ELIGIBLE
    listed = list(referrer.get("/referrals/mine/").context["page"].object_list)
    assert [r.referred_on for r in listed] == sorted((r.referred_on for r in listed), reverse=True)
    assert listed.index(newer) < listed.index(older)
    mine = referrer.get("/referrals/mine/").content.decode()
    assert "Not eligible: Outside the target group" in mine
    detail = referrer.get(f"/referrals/{older.pk}/").content.decode()
    assert "Outside the target group" in detail
    assert "wing officer" not in mine + detail
