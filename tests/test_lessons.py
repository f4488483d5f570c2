"""Lessons learned: proposing with the name check, the author's changes while proposed, the
coordinators' decisions with their history, search and filters, the programme's tags, the
trainer's home, the adopted lessons that evaluators and liaisons read, and query counts."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.audit.models import Action, AuditEvent
from backontrack.core.errors import Refused
from backontrack.lessons import names, selectors, services
from backontrack.lessons.models import BuiltInTag, Lesson, LessonStatus, Tag
from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.network.models import NetworkMember
from backontrack.programmes.models import Programme

from .conftest import demo_mentorship, signed_in_client

pytestmark = pytest.mark.django_db
SPECIAL = "Special mentoring scheme"


def back_on_track() -> Programme:
    return Programme.objects.default()


def special() -> Programme:
    return Programme.objects.get(name=SPECIAL)


def tag(code: str) -> Tag:
    return Tag.objects.get(code=code)


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Lockdown på afdelingen",
        "what_happened": "Besøgene blev aflyst i to uger, og kontakten faldt bort.",
        "what_we_learned": "Aftal telefontid med kontaktpersonen fra starten.",
        "tags": [str(tag(BuiltInTag.CUSTODY).pk)],
        "period_start": "",
        "period_end": "",
    }
    data.update(overrides)
    return data


def propose(
    username: str = "mentor05", programme: Programme | None = None, **data: object
) -> Lesson:
    return services.lesson_propose(
        actor=User.objects.get(username=username),
        programme=programme or back_on_track(),
        data=services.LessonData(
            title=str(data.get("title", "Et forslag")),
            what_happened=str(data.get("what_happened", "Noget skete på afdelingen.")),
            what_we_learned=str(data.get("what_we_learned", "Det lærte vi af det.")),
            tags=list(data.get("tags", [tag(BuiltInTag.TRAINING)])),  # type: ignore[call-overload]
        ),
        names_confirmed=False,
    )


def move(lesson: Lesson, to: str, username: str = "coordinator") -> Lesson:
    lesson.refresh_from_db()
    return services.lesson_move(
        actor=User.objects.get(username=username),
        lesson=lesson,
        version=lesson.version,
        to_status=to,
        note="Drøftet på mentormødet.",
    )


def a_mentee_of(programme: Programme) -> Mentee:
    mentorship = Mentorship.objects.filter(programme=programme).select_related("mentee").first()
    assert mentorship is not None
    return mentorship.mentee


def test_a_mentor_proposes_a_lesson_and_the_coordinator_discusses_and_adopts_it() -> None:
    mentor = signed_in_client("mentor05")
    assert mentor.get("/lessons/new/").status_code == 200
    response = mentor.post("/lessons/new/", form())
    assert response.status_code == 302
    lesson = Lesson.objects.latest("id")
    assert response["Location"] == f"/lessons/{lesson.pk}/"
    assert (lesson.status, lesson.author_role, lesson.programme) == (
        "proposed",
        "mentor",
        back_on_track(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT what_happened FROM lessons_lesson WHERE id = %s", [lesson.pk])
        assert "Besøgene" not in cursor.fetchone()[0]  # stored encrypted

    coordinator = signed_in_client("coordinator")
    page = coordinator.get(f"/lessons/{lesson.pk}/").content.decode()
    assert "Mark as discussed" in page and "Mark as adopted" not in page
    assert (
        coordinator.post(
            f"/lessons/{lesson.pk}/move/discussed/", {"note": "Drøftet.", "version": lesson.version}
        ).status_code
        == 302
    )
    lesson.refresh_from_db()
    response = coordinator.post(
        f"/lessons/{lesson.pk}/move/adopted/",
        {"note": "Taget ind i kurset.", "version": lesson.version},
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.status, lesson.decided_on) == ("adopted", timezone.localdate())
    page = coordinator.get(f"/lessons/{lesson.pk}/").content.decode()
    assert "Proposed → Discussed: Drøftet." in page
    assert "Discussed → Adopted: Taget ind i kurset." in page
    assert AuditEvent.objects.filter(
        object_type="lessons.lesson", object_id=str(lesson.pk), detail="discussed -> adopted"
    ).exists()


def test_the_history_is_worded_in_the_readers_language() -> None:
    lesson = move(propose(), "discussed")
    client = signed_in_client("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert "Foreslået → Drøftet: Drøftet på mentormødet." in page


def test_the_name_check_warns_on_a_mentees_name_without_saying_whose_it_is() -> None:
    mentee = a_mentee_of(back_on_track())
    mentor = signed_in_client("mentor05")
    before = Lesson.objects.count()
    typed = f"Vi talte med {mentee.last_name.lower()} om besøgene."
    response = mentor.post("/lessons/new/", form(what_happened=typed))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This looks like the name of someone in the programme" in page
    assert mentee.first_name not in page  # the page names nobody beyond what was typed
    assert typed in page  # and loses nothing
    assert 'name="not_a_person"' in page and 'type="checkbox"' in page
    assert Lesson.objects.count() == before  # nothing saved
    search = AuditEvent.objects.filter(action=Action.SEARCH, detail="lesson name check").latest(
        "id"
    )
    assert str(mentee.pk) in search.object_ids

    response = mentor.post("/lessons/new/", form(what_happened=typed, not_a_person="on"))
    assert response.status_code == 302
    lesson = Lesson.objects.latest("id")
    assert lesson.names_confirmed
    page = signed_in_client("coordinator").get(f"/lessons/{lesson.pk}/").content.decode()
    assert "the author confirmed it is not a person" in page


def test_a_lesson_with_a_period_that_ends_before_it_begins_is_shown_again_with_the_reason() -> None:
    before = Lesson.objects.count()
    response = signed_in_client("mentor05").post(
        "/lessons/new/",
        form(
            period_start=(timezone.localdate() - timedelta(days=3)).isoformat(),
            period_end=(timezone.localdate() - timedelta(days=9)).isoformat(),
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The period ends before it begins." in page
    assert "Aftal telefontid med kontaktpersonen fra starten." in page  # nothing lost
    assert Lesson.objects.count() == before


def test_the_name_check_finds_full_names_in_any_case_and_the_network_too() -> None:
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    mentee = mentorship.mentee
    programme = mentorship.programme
    assert names.people_named(programme, [f"{mentee.first_name.upper()} {mentee.last_name}"])
    member = NetworkMember.objects.filter(mentee=mentee).first()
    assert member is not None
    first_word = member.name.split()[0]
    # The network member's name finds the mentee whose network it is (the same first name
    # may also be a mentee's own, in the demo's larger programmes).
    assert mentee.pk in names.people_named(
        programme, [f"Vi ringede til {first_word.lower()} i går."]
    )
    assert names.people_named(programme, ["Vi ringede til kontaktpersonen i går."]) == []


def test_a_name_only_in_another_programme_does_not_warn() -> None:
    in_special = set(Mentee.objects.filter(access_q(special())).values_list("pk", flat=True))
    candidates = (
        Mentee.objects.exclude(pk__in=in_special)
        .exclude(last_name__in=Mentee.objects.filter(pk__in=in_special).values("last_name"))
        .exclude(first_name__in=Mentee.objects.filter(pk__in=in_special).values("first_name"))
    )
    outsider = next(m for m in candidates if not names.people_named(special(), [m.last_name]))
    assert names.people_named(back_on_track(), [outsider.last_name])
    response = signed_in_client("mentor02").post(
        f"/lessons/new/?programme={special().pk}", form(what_happened=f"Om {outsider.last_name}.")
    )
    assert response.status_code == 302


def access_q(programme: Programme) -> object:
    from backontrack.core import access

    return access.in_programmes([programme.pk])


def test_the_author_changes_a_proposed_lesson_and_every_earlier_wording_is_kept() -> None:
    lesson = propose()
    author = signed_in_client("mentor05")
    page = author.get(f"/lessons/{lesson.pk}/edit/").content.decode()
    assert "Et forslag" in page
    response = author.post(
        f"/lessons/{lesson.pk}/edit/",
        form(title="Et bedre forslag", version=lesson.version),
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.title == "Et bedre forslag"
    assert [v.title for v in lesson.versions.all()] == ["Et forslag"]
    page = author.get(f"/lessons/{lesson.pk}/").content.decode()
    assert "Version 1, replaced on" in page and "kept as version 1" in page

    # A stale form (someone saved meanwhile) saves nothing.
    response = author.post(
        f"/lessons/{lesson.pk}/edit/", form(title="Forældet", version=lesson.version - 1)
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.title == "Et bedre forslag"

    # Another mentor, and the author once it is discussed, cannot change it.
    assert signed_in_client("mentor03").get(f"/lessons/{lesson.pk}/edit/").status_code == 404
    move(lesson, "discussed")
    assert author.get(f"/lessons/{lesson.pk}/edit/").status_code == 404
    with pytest.raises(Refused):
        services.lesson_update(
            actor=User.objects.get(username="mentor05"),
            lesson=lesson,
            version=lesson.version,
            data=services.LessonData("a", "b", "c"),
            names_confirmed=False,
        )


def test_only_the_programmes_coordinators_move_a_lesson_and_only_along_its_moves() -> None:
    lesson = propose()
    for username in ("mentor05", "mentor01", "trainer", "coordinator-special", "evaluator"):
        response = signed_in_client(username).get(f"/lessons/{lesson.pk}/move/discussed/")
        assert response.status_code == 404, username
    coordinator = signed_in_client("coordinator")
    assert coordinator.get(f"/lessons/{lesson.pk}/move/adopted/").status_code == 404
    assert coordinator.get(f"/lessons/{lesson.pk}/move/nonsense/").status_code == 404
    response = coordinator.post(
        f"/lessons/{lesson.pk}/move/declined/", {"note": "  ", "version": lesson.version}
    )
    assert response.status_code == 200
    lesson.refresh_from_db()
    assert lesson.status == "proposed"
    move(lesson, "declined")
    assert coordinator.get(f"/lessons/{lesson.pk}/move/adopted/").status_code == 404


def test_everyone_in_the_programme_reads_its_lessons_and_nobody_else() -> None:
    lesson = propose()
    for username in ("coordinator", "mentor03", "mentor01", "trainer"):
        assert signed_in_client(username).get(f"/lessons/{lesson.pk}/").status_code == 200
    for username in ("coordinator-special", "evaluator", "liaison-ministry", "admin", "auditor"):
        assert signed_in_client(username).get(f"/lessons/{lesson.pk}/").status_code == 404
    assert signed_in_client("evaluator").get("/lessons/").status_code == 404
    special_lesson = propose("mentor02", special())
    assert signed_in_client("mentor05").get(f"/lessons/{special_lesson.pk}/").status_code == 404


def _list(client: Client, **post: str) -> str:
    response = client.post("/lessons/", {"q": "", **post})
    assert response.status_code == 302
    assert "q=" not in response["Location"]  # the words searched for stay out of the address
    return client.get(response["Location"]).content.decode()


def test_search_finds_words_in_the_encrypted_texts_and_filters_narrow_the_list() -> None:
    propose(title="Tolk til familiemøder", what_happened="Moren forstod ikke aftalerne.")
    propose("mentor01", title="Supervision samme dag", tags=[tag(BuiltInTag.FAMILY)])
    client = signed_in_client("coordinator")
    page = _list(client, q="MOREN forstod")
    assert "Tolk til familiemøder" in page and "Supervision samme dag" not in page
    page = _list(client, author_role="coach")
    assert "Supervision samme dag" in page and "Tolk til familiemøder" not in page
    page = _list(client, tag=str(tag(BuiltInTag.FAMILY).pk), status="proposed")
    assert "Supervision samme dag" in page and "Tolk til familiemøder" not in page
    page = _list(client, status="adopted")
    assert "Supervision samme dag" not in page
    assert "Boligansøgning skal i gang seks måneder før løsladelse" in page  # the demo's
    last_year = (
        (timezone.localdate() - timedelta(days=540)).isoformat(),
        (timezone.localdate() - timedelta(days=500)).isoformat(),
    )
    page = _list(client, start=last_year[0], end=last_year[1])
    assert "Besøg under lockdown" in page  # its period lies in that time
    assert "Supervision samme dag" not in page
    response = client.post(
        "/lessons/", {"start": timezone.localdate().isoformat(), "end": "2001-01-01"}
    )
    assert "The period ends before it begins." in response.content.decode()


def test_the_list_and_a_lesson_take_as_many_queries_with_more_lessons() -> None:
    client = signed_in_client("coordinator")

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    lesson = move(propose(), "discussed")
    before = (count("/lessons/"), count(f"/lessons/{lesson.pk}/"), count("/lessons/adopted/"))
    for n in range(25):
        other = propose(title=f"Forslag {n}", tags=[tag(BuiltInTag.TRAINING), tag("family")])
        move(move(other, "discussed"), "adopted")
    assert (
        count("/lessons/"),
        count(f"/lessons/{lesson.pk}/"),
        count("/lessons/adopted/"),
    ) == before


def test_a_coordinator_adds_the_programmes_own_tags() -> None:
    client = signed_in_client("coordinator")
    programme = back_on_track()
    response = client.post(
        f"/lessons/tags/?programme={programme.pk}", {"name": "Radikalisering online"}
    )
    assert response.status_code == 302
    assert programme.lesson_tags.filter(name="Radikalisering online").exists()
    response = client.post(f"/lessons/tags/?programme={programme.pk}", {"name": "training"})
    assert "The programme has a tag of that name already." in response.content.decode()
    assert signed_in_client("mentor05").get("/lessons/tags/").status_code == 404
    own = programme.lesson_tags.get()
    page = signed_in_client("mentor05").get("/lessons/new/").content.decode()
    assert "Radikalisering online" in page
    page = (
        signed_in_client("mentor02").get(f"/lessons/new/?programme={special().pk}").content.decode()
    )
    assert "Radikalisering online" not in page  # another programme's tag
    response = signed_in_client("mentor02").post(
        f"/lessons/new/?programme={special().pk}", form(tags=[str(own.pk)])
    )
    assert response.status_code == 200  # not one of the choices


def test_the_trainer_sees_the_lessons_tagged_training_on_their_home() -> None:
    lesson = propose(title="Øvelse i konfliktnedtrapning")
    declined = move(propose(title="Afvist kursusidé"), "declined")
    page = signed_in_client("trainer").get("/").content.decode()
    assert "Lessons about training" in page
    assert "Øvelse i konfliktnedtrapning" in page
    assert declined.title not in page
    assert f"/lessons/{lesson.pk}/" in page


def test_the_coordinators_home_says_how_many_lessons_wait_for_a_decision() -> None:
    def waiting(username: str) -> int:
        page = signed_in_client(username).get("/").content.decode()
        found = re.search(r'bot-figure">(\d+)</span> lessons? waiting for discussion', page)
        assert found is not None
        return int(found.group(1))

    before = waiting("coordinator")
    move(propose(), "discussed")
    move(propose(), "declined")
    assert waiting("coordinator") == before + 1
    assert waiting("coordinator-special") == 2  # the special scheme's own, proposed or discussed


def test_evaluators_and_liaisons_read_adopted_lessons_by_the_authors_role_only() -> None:
    adopted = move(move(propose(title="Adopteret lektie"), "discussed"), "adopted")
    propose(title="Stadig kun et forslag")
    for username in ("evaluator", "liaison-ministry", "liaison-security"):
        client = signed_in_client(username)
        page = client.get("/lessons/adopted/").content.decode()
        assert adopted.title in page
        assert "Stadig kun et forslag" not in page
        assert "proposed by a mentor" in page
        for user in User.objects.filter(lessons__status=LessonStatus.ADOPTED).distinct():
            assert user.get_full_name() not in page.split("</header>", 1)[-1], username
        assert client.get(f"/lessons/{adopted.pk}/").status_code == 404
    page = (
        signed_in_client("evaluator")
        .get(f"/lessons/adopted/?programme={special().pk}")
        .content.decode()
    )
    assert "Kontakt til online-miljøer efter løsladelse" in page and adopted.title not in page


def test_the_programme_report_reads_the_adopted_lessons_of_a_period() -> None:
    old = move(move(propose(title="Gammel lektie"), "discussed"), "adopted")
    Lesson.objects.filter(pk=old.pk).update(decided_on=timezone.localdate() - timedelta(days=400))
    recent = move(move(propose(title="Ny lektie"), "discussed"), "adopted")
    move(propose(title="Afvist lektie"), "declined")
    programme = back_on_track()
    with CaptureQueriesContext(connection) as queries:
        shown = selectors.adopted_lessons(
            programme, (timezone.localdate() - timedelta(days=30), timezone.localdate())
        )
    assert len(queries) == 2
    assert [lesson.title for lesson in shown] == [recent.title]
    assert shown[0].author_role == "Mentor" and shown[0].tags == ["Training"]
    every = [lesson.title for lesson in selectors.adopted_lessons(back_on_track(), None)]
    assert "Gammel lektie" in every and "Afvist lektie" not in every


def test_the_demo_has_lessons_in_every_state_in_both_programmes_and_they_name_nobody() -> None:
    lessons = list(Lesson.objects.select_related("programme").prefetch_related("tags"))
    for programme in (back_on_track(), special()):
        states = {lesson.status for lesson in lessons if lesson.programme == programme}
        assert states == set(LessonStatus.values), programme
    for lesson in lessons:
        texts = [lesson.title, lesson.what_happened, lesson.what_we_learned]
        assert names.people_named(lesson.programme, texts) == [], lesson.title
    assert any(lesson.versions.exists() for lesson in lessons)
