"""Alerts about mentors' wellbeing and workload, for the coordinators of their programmes:
emotional strain high (4 or 5) at two sessions in a row, or a caseload above the mentor's
capacity at their latest session. An alert names the mentor and the reason, never a score.

Each alert's key names the session it began at, so the same spell is sent once and a new
one is sent again."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.mentors.models import Mentor
from backontrack.mentorships.models import OPEN_MENTORSHIP_STATUSES, Mentorship, SentAlert
from backontrack.programmes.models import ProgrammeMembership

from .models import HIGH_STRAIN, Participant

# Sessions further back than this say nothing about how a mentor is doing now.
LOOK_BACK_DAYS = 180
# How far back a spell of high strain is followed to the session it began at.
SPELL_SESSIONS = 10
TEXTS: dict[str, str | Promise] = {
    "strain": _(
        "Emotional strain high at two supervision sessions in a row: talk with their coach."
    ),
    "caseload": _("Caseload above their capacity at the latest supervision session."),
}


@dataclass(frozen=True)
class MentorAlert:
    key: str
    kind: str
    mentor: Mentor
    programme_id: int

    @property
    def text(self) -> str | Promise:
        return TEXTS[self.kind]


def mentor_alerts(programme_ids: Iterable[int], today: date) -> list[MentorAlert]:
    """The alerts about the mentors of the open mentorships of these programmes, from the
    sessions of these programmes (one query: the recent participations of mentors who have
    not left, each asked whether its mentor has an open mentorship in the session's programme,
    a probe of the mentorships' (mentor, status) index, rather than the pairs of every open
    mentorship of the programmes)."""
    ids = list(programme_ids)
    open_mentorship = Mentorship.objects.filter(
        programme_id=OuterRef("session__programme_id"),
        mentor_id=OuterRef("mentor_id"),
        status__in=OPEN_MENTORSHIP_STATUSES,
    )
    parts = (
        Participant.objects.filter(
            Exists(open_mentorship),
            session__programme_id__in=ids,
            session__held_on__gte=today - timedelta(days=LOOK_BACK_DAYS),
        )
        .exclude(mentor__status="left")
        .select_related("mentor", "session")
        .order_by("-session__held_on", "-session_id")
    )
    latest: dict[tuple[int, int], list[Participant]] = {}
    for part in parts:
        key = (part.session.programme_id, part.mentor_id)
        if len(latest.setdefault(key, [])) < SPELL_SESSIONS:
            latest[key].append(part)
    found = []
    for (programme_id, _mentor_id), recent in sorted(
        latest.items(), key=lambda item: (str(item[1][0].mentor), item[0])
    ):
        mentor = recent[0].mentor
        high = 0
        while high < len(recent) and (recent[high].strain or 0) >= HIGH_STRAIN:
            high += 1
        if high >= 2:
            # Keyed by the session the spell began at: one alert however long it lasts.
            began = recent[high - 1].session_id
            found.append(MentorAlert(f"strain:{mentor.pk}:{began}", "strain", mentor, programme_id))
        if recent[0].caseload > mentor.capacity:
            found.append(
                MentorAlert(
                    f"caseload:{mentor.pk}:{recent[0].session_id}", "caseload", mentor, programme_id
                )
            )
    return found


def email_coordinators(*, today: date) -> tuple[int, int]:
    """E-mail each programme's coordinators the alerts about its mentors that they have not
    been sent (no names: a link to the supervision overview). Returns (e-mails, alerts)."""
    coordinating = ProgrammeMembership.objects.filter(
        role=Role.COORDINATOR, user__is_active=True, user__role_grants__role=Role.COORDINATOR
    ).select_related("user")
    coordinators_of: dict[int, set[int]] = {}
    people: dict[int, User] = {}
    for membership in coordinating:
        coordinators_of.setdefault(membership.programme_id, set()).add(membership.user_id)
        people[membership.user_id] = membership.user
    found = mentor_alerts(coordinators_of, today)
    sent_before = set(
        SentAlert.objects.filter(key__in={a.key for a in found}).values_list("user_id", "key")
    )
    due: dict[int, dict[str, MentorAlert]] = {}
    for alert in found:
        for user_id in coordinators_of.get(alert.programme_id, set()):
            if (user_id, alert.key) not in sent_before and people[user_id].email:
                due.setdefault(user_id, {})[alert.key] = alert
    mails = sent = 0
    mentors: set[int] = set()
    url = f"{settings.BACKONTRACK_BASE_URL.rstrip('/')}/supervision/overview/"
    for user_id, new in sorted(due.items()):
        with transaction.atomic():
            SentAlert.objects.bulk_create(
                SentAlert(user_id=user_id, key=key, sent_on=today) for key in new
            )
            send_mail(
                subject=f"Back on Track: {len(new)} mentors to support",
                message="\n".join(
                    [
                        "Mentors of your programme need support (strain or caseload):",
                        "",
                        url,
                        "",
                        "Sign in to Back on Track to see who. This e-mail holds no names on "
                        "purpose.",
                    ]
                ),
                from_email=None,
                recipient_list=[people[user_id].email],
            )
        mails += 1
        sent += len(new)
        mentors |= {a.mentor.pk for a in new.values()}
    if sent:
        record(
            actor=None,
            username="(backontrack send-alerts)",
            action=Action.DISCLOSE,
            object_type="mentors.mentor",
            object_ids=sorted(mentors),
            fields=["wellbeing_alerts"],
            recipient="coordinators by e-mail (no names)",
            detail=f"{sent} alerts in {mails} e-mails",
        )
    return mails, sent
