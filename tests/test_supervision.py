"""Coach supervision: recording a session with wellbeing, guidance and actions; the mentor
confirming it and finishing their action; who sees what (the coach, the mentor, another
mentor, another coach, the coordinator); corrections that keep the earlier version; the
coordinator's alerts about strain and caseload; the coach's home page; the timeline."""

import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from backontrack.accounts.models import User
from backontrack.audit.models import Action, AuditEvent
from backontrack.concerns.models import Concern
from backontrack.core import access
from backontrack.core.errors import Refused
from backontrack.mentors.models import Mentor, MentorStatus
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.programmes.models import Programme
from backontrack.supervision import services
from backontrack.supervision.alerts import mentor_alerts
from backontrack.supervision.models import (
    AgreedAction,
    Discussion,
    Participant,
    Session,
    SessionRevision,
)

from .conftest import signed_in_client

pytestmark = pytest.mark.django_db

GUIDANCE = "Hold the line on evening calls; agree set visiting days."
FACTS = "The mentee was angry about a refused leave."


def mentor(username: str) -> Mentor:
    return Mentor.objects.select_related("user").get(user__username=username)


def user(username: str) -> User:
    return User.objects.get(username=username)


def jonas_mentorship() -> Mentorship:
    """mentor03's active mentorship, supervised by mentor02 (the demo's six-week one)."""
    return Mentorship.objects.get(
        mentor__user__username="mentor03",
        coach__user__username="mentor02",
        status=MentorshipStatus.ACTIVE,
    )


def form_data(coach_of: dict[Mentor, list[Mentorship]], **extra: str) -> dict[str, str]:
    today = timezone.localdate()
    data = {
        "held_on": today.isoformat(),
        "format": "group" if len(coach_of) > 1 else "in_person",
        "next_on": (today + timedelta(days=14)).isoformat(),
    }
    for m, mentorships in coach_of.items():
        data |= {
            f"workload_{m.pk}": "3",
            f"strain_{m.pk}": "4",
            f"supported_{m.pk}": "none",
            f"safe_{m.pk}": "5",
            f"caseload_{m.pk}": "1",
            f"hours_{m.pk}": "12",
        }
        for ms in mentorships:
            data |= {
                f"discussed_{ms.pk}": "on",
                f"facts_{ms.pk}": f"{FACTS} ({m.first_name})",
                f"guidance_{ms.pk}": f"{GUIDANCE} ({m.first_name})",
            }
    return data | extra


def record_for_jonas(**extra: str) -> Session:
    jonas = mentor("mentor03")
    data = form_data(
        {jonas: [jonas_mentorship()]},
        action_0_text="Ask the wing about fixed visiting days",
        action_0_owner=f"mentor:{jonas.pk}",
        action_0_due=(timezone.localdate() + timedelta(days=7)).isoformat(),
        **extra,
    )
    response = signed_in_client("mentor02").post(f"/supervision/new/?mentor={jonas.pk}", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Session.objects.latest("id")


def test_the_coach_records_a_session_with_wellbeing_guidance_and_an_action() -> None:
    session = record_for_jonas()
    part = Participant.objects.get(session=session)
    assert (part.workload, part.strain, part.supported, part.safe) == (3, 4, None, 5)
    assert (part.caseload, part.hours) == (1, 12)
    discussion = Discussion.objects.get(participant=part)
    assert discussion.guidance.startswith(GUIDANCE)
    action = AgreedAction.objects.get(participant=part)
    assert action.owner == "mentor" and action.done_at is None
    event = AuditEvent.objects.filter(action=Action.CREATE, object_type="supervision.session")
    assert event.filter(object_id=str(session.pk)).exists()
    page = signed_in_client("mentor02").get(f"/supervision/{session.pk}/").content.decode()
    assert GUIDANCE in page and "Ask the wing" in page


def test_guidance_and_facts_are_stored_encrypted() -> None:
    session = record_for_jonas()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT guidance, facts FROM supervision_discussion WHERE participant_id IN "
            "(SELECT id FROM supervision_participant WHERE session_id = %s)",
            [session.pk],
        )
        guidance, facts = cursor.fetchone()
    assert "visiting" not in guidance and "angry" not in facts


def test_the_action_appears_on_the_mentors_home_until_marked_done() -> None:
    session = record_for_jonas()
    jonas = signed_in_client("mentor03")
    home = jonas.get("/").content.decode()
    assert "Ask the wing about fixed visiting days" in home
    assert "Supervision to confirm" in home
    action = AgreedAction.objects.get(participant__session=session)
    response = jonas.post(f"/supervision/actions/{action.pk}/done/", {"next": "home"})
    assert response.status_code == 302 and response["Location"] == "/"
    action.refresh_from_db()
    assert action.done_at is not None and action.done_by == user("mentor03")
    assert "Ask the wing" not in jonas.get("/").content.decode()
    assert AuditEvent.objects.filter(
        object_type="supervision.agreedaction", object_id=str(action.pk), action=Action.CHANGE
    ).exists()


def test_the_mentor_confirms_the_session_and_the_coach_sees_when() -> None:
    session = record_for_jonas()
    jonas = signed_in_client("mentor03")
    assert "Confirm the session" in jonas.get(f"/supervision/{session.pk}/").content.decode()
    response = jonas.post(f"/supervision/{session.pk}/confirm/")
    assert response.status_code == 302
    assert Participant.objects.get(session=session).confirmed_at is not None
    coach_page = signed_in_client("mentor02").get(f"/supervision/{session.pk}/").content.decode()
    assert "Confirmed on" in coach_page
    assert "Supervision to confirm" not in jonas.get("/").content.decode()


def test_a_mentor_cannot_confirm_or_finish_for_someone_else() -> None:
    session = record_for_jonas()
    action = AgreedAction.objects.get(participant__session=session)
    other = signed_in_client("mentor07")
    assert other.post(f"/supervision/{session.pk}/confirm/").status_code == 404
    assert other.post(f"/supervision/actions/{action.pk}/done/").status_code == 404
    action.refresh_from_db()
    assert action.done_at is None


def test_in_a_group_session_each_mentor_sees_only_their_own_part() -> None:
    henrik, kasper = mentor("mentor01"), mentor("mentor07")
    coach = user("mentor02")
    data = form_data(
        {
            henrik: list(access.supervised_mentorships(coach, henrik)),
            kasper: list(access.supervised_mentorships(coach, kasper)),
        }
    )
    data[f"strain_{kasper.pk}"] = "2"
    response = signed_in_client("mentor02").post(
        f"/supervision/new/?mentor={henrik.pk}&mentor={kasper.pk}", data
    )
    assert response.status_code == 302
    session = Session.objects.latest("id")
    kasper_page = signed_in_client("mentor07").get(f"/supervision/{session.pk}/").content.decode()
    assert f"{GUIDANCE} (Kasper)" in kasper_page
    assert f"{GUIDANCE} (Henrik)" not in kasper_page
    assert "Henrik Lund" not in kasper_page
    henrik_page = signed_in_client("mentor01").get(f"/supervision/{session.pk}/").content.decode()
    assert f"{GUIDANCE} (Henrik)" in henrik_page and "(Kasper)" not in henrik_page
    coach_page = signed_in_client("mentor02").get(f"/supervision/{session.pk}/").content.decode()
    assert "(Kasper)" in coach_page and "(Henrik)" in coach_page


def test_the_coordinator_sees_that_sessions_happen_never_scores_or_guidance() -> None:
    # The demo's working group discusses a concern on Jonas's mentorship that was escalated
    # to it; without an escalated concern the coordinator reads no guidance.
    Concern.objects.filter(mentorship=jonas_mentorship()).update(escalated_at=None)
    session = record_for_jonas()
    coordinator = signed_in_client("coordinator")
    assert coordinator.get(f"/supervision/{session.pk}/").status_code == 404
    assert (
        coordinator.get(f"/supervision/mentors/{mentor('mentor03').pk}/wellbeing/").status_code
        == 404
    )
    overview = coordinator.get("/supervision/overview/").content.decode()
    assert "Jonas Mikkelsen" in overview
    assert date_format(timezone.localdate(), "SHORT_DATE_FORMAT") in overview
    timeline = coordinator.get(
        f"/mentorships/{jonas_mentorship().pk}/timeline/?kind=supervision"
    ).content.decode()
    assert "Supervision" in timeline and "Read the guidance" not in timeline
    for page in (overview, timeline, coordinator.get("/").content.decode()):
        assert GUIDANCE not in page and FACTS not in page
        assert "Emotional strain" not in page and "4 / 5" not in page


def test_another_coach_and_another_mentor_get_not_found() -> None:
    session = record_for_jonas()
    wellbeing = f"/supervision/mentors/{mentor('mentor03').pk}/wellbeing/"
    for username in ("mentor01", "mentor07", "liaison-security", "auditor", "admin"):
        client = signed_in_client(username)
        assert client.get(f"/supervision/{session.pk}/").status_code == 404, username
        assert client.get(wellbeing).status_code == 404, username
        assert client.get(f"/supervision/{session.pk}/correct/").status_code == 404, username


def test_the_mentor_and_the_coach_read_the_wellbeing_trend_with_its_table() -> None:
    record_for_jonas()
    path = f"/supervision/mentors/{mentor('mentor03').pk}/wellbeing/"
    for username in ("mentor02", "mentor03"):
        page = signed_in_client(username).get(path).content.decode()
        assert "<svg" in page and "<table" in page and "Prefer not to say" in page
    assert AuditEvent.objects.filter(
        object_type="mentors.mentor", object_id=str(mentor("mentor03").pk), action=Action.VIEW
    ).exists()


def test_a_coach_cannot_record_with_a_mentor_they_do_not_supervise() -> None:
    outsider = mentor("mentor06")
    coach = signed_in_client("mentor02")
    assert coach.get(f"/supervision/new/?mentor={outsider.pk}").status_code == 404
    assert "Who was the session with?" in coach.get("/supervision/new/").content.decode()
    with pytest.raises(Refused):
        services.session_record(
            actor=user("mentor02"),
            data=services.SessionData(
                held_on=timezone.localdate(),
                format="phone",
                next_on=None,
                parts=[services.Part(mentor=outsider, caseload=0)],
            ),
        )


def test_a_coach_cannot_discuss_a_mentorship_they_do_not_supervise() -> None:
    omar = mentor("mentor05")
    theirs = Mentorship.objects.filter(mentor=omar, coach__user__username="mentor01").first()
    assert theirs is not None
    with pytest.raises(Refused):
        services.session_record(
            actor=user("mentor02"),
            data=services.SessionData(
                held_on=timezone.localdate(),
                format="phone",
                next_on=None,
                parts=[
                    services.Part(
                        mentor=omar, caseload=1, discussed=[services.Discussed(mentorship=theirs)]
                    )
                ],
            ),
        )


def test_a_form_with_a_mistake_comes_back_with_everything_typed() -> None:
    jonas = mentor("mentor03")
    data = form_data({jonas: [jonas_mentorship()]})
    del data[f"strain_{jonas.pk}"]
    data["action_0_text"] = "Call the wing"
    response = signed_in_client("mentor02").post(f"/supervision/new/?mentor={jonas.pk}", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert GUIDANCE in page and "Call the wing" in page
    assert "Say by when the action is due." in page
    assert not Session.objects.filter(
        participants__mentor=jonas, held_on=timezone.localdate()
    ).exists()


def test_a_correction_keeps_the_earlier_version_and_asks_for_confirmation_again() -> None:
    session = record_for_jonas()
    jonas = signed_in_client("mentor03")
    jonas.post(f"/supervision/{session.pk}/confirm/")
    coach = signed_in_client("mentor02")
    assert coach.get(f"/supervision/{session.pk}/correct/").status_code == 200
    m = jonas_mentorship()
    data = form_data({mentor("mentor03"): [m]}, version=str(session.version), reason="Typo")
    data[f"guidance_{m.pk}"] = "Corrected guidance."
    data.pop(f"discussed_{m.pk}")
    response = coach.post(f"/supervision/{session.pk}/correct/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    revision = SessionRevision.objects.get(session=session)
    assert GUIDANCE in revision.earlier and revision.reason == "Typo"
    assert Discussion.objects.get(participant__session=session).guidance == "Corrected guidance."
    assert Participant.objects.get(session=session).confirmed_at is None
    stale = coach.post(f"/supervision/{session.pk}/correct/", data)  # the old version again
    assert stale.status_code == 302
    assert SessionRevision.objects.filter(session=session).count() == 1


def test_high_strain_at_two_sessions_in_a_row_alerts_the_coordinator_without_scores() -> None:
    record_for_jonas()  # strain 4
    coordinator = signed_in_client("coordinator")
    assert "Mentors who need support" not in coordinator.get("/").content.decode()
    record_for_jonas()  # strain 4 again
    home = coordinator.get("/").content.decode()
    assert "Mentors who need support" in home and "Jonas Mikkelsen" in home
    assert "Emotional strain high at two supervision sessions in a row" in home
    out = io.StringIO()
    call_command("send-alerts", stdout=out)
    # One e-mail to each of the programme's two coordinators.
    assert "mentors to support sent in 2 e-mails" in out.getvalue()
    support = [m for m in mail.outbox if "mentors to support" in m.subject]
    assert sorted(m.to for m in support) == sorted(
        [[user("coordinator").email], [user("coordinator2").email]]
    )
    assert "Mikkelsen" not in support[0].body and "/supervision/overview/" in support[0].body
    mail.outbox.clear()
    call_command("send-alerts", stdout=io.StringIO())
    assert not [m for m in mail.outbox if "mentors to support" in m.subject]
    record_for_jonas(**{f"strain_{mentor('mentor03').pk}": "2"})  # it eases
    assert "Mentors who need support" not in coordinator.get("/").content.decode()


def test_only_a_mentor_with_an_open_mentorship_in_the_programme_who_has_not_left_is_alerted() -> (
    None
):
    """The alerts are about the mentors of the programme's open mentorships, from its
    sessions: none once the mentor has left, none once the mentor's open mentorships are in
    another programme, and none there, where the mentor had no session."""
    record_for_jonas()
    record_for_jonas()  # strain 4 at two sessions in a row
    jonas = mentor("mentor03")
    programme = jonas_mentorship().programme_id
    today = timezone.localdate()
    alerted = {(a.mentor.pk, a.programme_id) for a in mentor_alerts([programme], today)}
    assert (jonas.pk, programme) in alerted
    other = list(Programme.objects.exclude(pk=programme).values_list("pk", flat=True))
    assert other and not [a for a in mentor_alerts(other, today) if a.mentor.pk == jonas.pk]
    Mentor.objects.filter(pk=jonas.pk).update(status="left")
    assert not [a for a in mentor_alerts([programme], today) if a.mentor.pk == jonas.pk]
    Mentor.objects.filter(pk=jonas.pk).update(status=MentorStatus.ACTIVE)
    assert [a for a in mentor_alerts([programme], today) if a.mentor.pk == jonas.pk]
    # His open mentorships moved to the other programme, where he has had no session.
    Mentorship.objects.filter(mentor=jonas, programme_id=programme).update(programme_id=other[0])
    assert Mentorship.objects.filter(mentor=jonas, status=MentorshipStatus.ACTIVE).exists()
    assert not [a for a in mentor_alerts([programme], today) if a.mentor.pk == jonas.pk]
    assert not [a for a in mentor_alerts(other, today) if a.mentor.pk == jonas.pk]


def test_a_caseload_above_capacity_alerts_the_coordinator() -> None:
    jonas = mentor("mentor03")
    record_for_jonas(**{f"caseload_{jonas.pk}": str(jonas.capacity + 1)})
    home = signed_in_client("coordinator").get("/").content.decode()
    assert "Caseload above their capacity" in home


def test_the_coach_home_lists_each_supervised_mentor_with_supervision_dates() -> None:
    home = signed_in_client("mentor02").get("/").content.decode()
    assert "Mentors you supervise" in home and "Record a supervision session" in home
    for name in ("Jonas Mikkelsen", "Omar Haddad", "Henrik Lund", "Kasper Nørgaard"):
        assert name in home
    # Henrik Lund's last group session with her was a month ago (docs/guide/demo.md).
    henrik = home.split('<h4 class="h5">Henrik Lund', 1)[1].split("</h4>", 1)[0]
    assert "Due for supervision" in henrik
    assert f"/supervision/new/?mentor={mentor('mentor01').pk}" in home


def test_the_timeline_shows_the_session_and_its_guidance_link_to_the_mentor() -> None:
    record_for_jonas()
    path = f"/mentorships/{jonas_mentorship().pk}/timeline/?kind=supervision"
    page = signed_in_client("mentor03").get(path).content.decode()
    assert "Supervision" in page and "Read the guidance" in page


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("username", "path", "most"),
    [
        ("mentor02", "/supervision/", 25),
        ("coordinator", "/supervision/overview/", 20),
        # The mentor's home gathers every app's part (meetings, actions, concerns, lessons).
        ("mentor03", "/", 85),
    ],
)
def test_list_pages_take_as_many_queries_however_many_sessions(
    username: str, path: str, most: int
) -> None:
    client = signed_in_client(username)
    client.get(path)
    first = queries(client, path)
    assert first <= most
    for _ in range(3):
        record_for_jonas()
    assert queries(client, path) <= first


def test_the_coach_home_takes_as_many_queries_however_many_sessions() -> None:
    client = signed_in_client("mentor02")
    client.get("/")
    first = queries(client, "/")
    for _ in range(3):
        record_for_jonas()
    assert queries(client, "/") <= first


def test_the_session_and_wellbeing_pages_take_as_many_queries_however_many_sessions() -> None:
    session = record_for_jonas()
    client = signed_in_client("mentor02")
    detail = f"/supervision/{session.pk}/"
    wellbeing = f"/supervision/mentors/{mentor('mentor03').pk}/wellbeing/"
    before = (queries(client, detail), queries(client, wellbeing))
    assert before[0] <= 32 and before[1] <= 20, before
    for _ in range(3):
        record_for_jonas()
    assert (queries(client, detail), queries(client, wellbeing)) <= before


def test_the_chart_writes_its_numbers_the_same_in_danish() -> None:
    """A float in a Danish page has a decimal comma; the chart's coordinates must not."""
    record_for_jonas()
    client = signed_in_client("mentor03")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    page = client.get(f"/supervision/mentors/{mentor('mentor03').pk}/wellbeing/")
    svg = page.content.decode().split("<svg", 1)[1].split("</svg>", 1)[0]
    coordinates = re.findall(r'\s(?:x|y|cx|cy|x1|x2|y1|y2)="([^"]*)"', svg)
    points = [p for found in re.findall(r'points="([^"]*)"', svg) for p in found.split()]
    assert coordinates and points
    assert all(re.fullmatch(r"-?\d+(?:\.\d+)?", value) for value in coordinates)
    assert all(re.fullmatch(r"\d+\.\d,\d+\.\d", point) for point in points)
