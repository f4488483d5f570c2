"""The demo's working group: Back on Track's coordinators with the ministry and the security
service, set up through the real services as on the group's pages. Three meetings: five weeks
ago (minutes written by the second coordinator, approved by the chair), last week (minutes
written by the second coordinator, waiting for the chair), and one in three weeks (planned).
A high concern on the case disclosed to the security service is escalated to the working
group and is on last week's agenda as "Case …"; actions are in every state, one overdue.
Every text is synthetic."""

from datetime import date, timedelta

from django.utils import timezone

from backontrack.accounts.models import Organisation, User
from backontrack.concerns import services as concerns
from backontrack.concerns.models import EscalationTarget
from backontrack.concerns.services import Observation
from backontrack.disclosures.models import Disclosure
from backontrack.programmes.models import Programme
from backontrack.workinggroup import services
from backontrack.workinggroup.models import (
    ActionStatus,
    AgendaItem,
    GroupAction,
    GroupChange,
    GroupMeeting,
)

from .guard import demo_only


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _minute(actor: User, item: AgendaItem, summary: str, decisions: str) -> None:
    services.item_minute(
        actor=actor, item=item, version=item.version, summary=summary, decisions=decisions
    )


def _escalated_case(coordinator: User) -> None:
    """A new high concern on the case disclosed to the security service, escalated to the
    working group."""
    disclosure = Disclosure.objects.filter(
        recipient__kind=Organisation.Kind.SECURITY_SERVICE, status="approved", reads__isnull=False
    ).first()
    assert disclosure is not None  # noqa: S101 (demo/disclosures.py made it)
    mentorship = (
        disclosure.mentee.mentorships.filter(status="active").select_related("mentor").first()
    )
    mentor = mentorship.mentor.user if mentorship is not None else None
    assert mentorship is not None and mentor is not None  # noqa: S101
    concern = concerns.concern_raise(
        actor=mentor,
        mentorship=mentorship,
        data=Observation(
            category="radicalisation",
            severity="high",
            observed_at=timezone.now() - timedelta(days=9),
            facts=(
                "Fiktivt: Han viste mig en kanal med opfordringer til vold og spurgte, hvad "
                "jeg mente."
            ),
            assessment="Fiktivt: Han søger et modspil; ingen konkrete planer.",
        ),
    )
    concern = concerns.concern_triage(
        actor=coordinator,
        concern=concern,
        version=concern.version,
        severity="high",
        assessment="Fiktivt: Tegn på fornyet interesse for miljøet.",
        next_step="Fiktivt: Drøftes i arbejdsgruppen.",
    )
    concerns.concern_escalate(
        actor=coordinator,
        concern=concern,
        version=concern.version,
        target=EscalationTarget.WORKING_GROUP,
        agency_route="",
        passed_on="Fiktivt: Bekymringen og mentorens vurdering; ikke samtalernes øvrige indhold.",
        passed_on_at=timezone.now() - timedelta(days=8),
    )


def load(*, today: date) -> None:
    demo_only()
    chair = _user("coordinator")
    second = _user("coordinator2")
    ministry_liaison = _user("liaison-ministry")
    security_liaison = _user("liaison-security")
    ministry = Organisation.objects.get(kind=Organisation.Kind.MINISTRY)
    security = Organisation.objects.get(kind=Organisation.Kind.SECURITY_SERVICE)
    # Set up as on its pages: the chair adds the agencies and the people, and the second
    # coordinator the chair (nobody adds themself).
    group = services.group_create(
        actor=chair,
        programme=Programme.objects.default(),
        name="Arbejdsgruppen for Back on Track",
        chair=chair,
    )
    for agency in (ministry, security):
        services.agency_add(actor=chair, group=group, version=group.version, agency=agency)
    for person in (second, ministry_liaison, security_liaison):
        services.member_add(actor=chair, group=group, version=group.version, person=person)
    services.member_add(actor=second, group=group, version=group.version, person=chair)
    GroupChange.objects.filter(group=group).update(changed_at=timezone.now() - timedelta(days=60))
    everyone = [chair, second, ministry_liaison, security_liaison]

    # Five weeks ago: programme matters; the minutes approved by the chair.
    first = services.meeting_plan(
        actor=chair,
        group=group,
        held_on=today - timedelta(days=35),
        chair=chair,
        attendees=everyone,
    )
    status = services.matter_add(
        actor=chair, meeting=first, title="Status på ordningen efter piloten"
    )
    _minute(
        second,
        status,
        "Fiktivt: Ti mentorer uddannet, heraf to som mentorcoaches. Optaget går som planlagt.",
        "Fiktivt: Ministeriet får en kvartalsvis opgørelse med tal alene.",
    )
    done = services.action_agree(
        actor=second,
        item=status,
        description="Fiktivt: Skabelon til kvartalsopgørelsen sendes til Kriminalforsorgen.",
        owner_user=None,
        owner_agency=ministry,
        due_on=today - timedelta(days=21),
    )
    services.action_move(
        actor=ministry_liaison, action=done, version=done.version, status=ActionStatus.DONE
    )
    housing = services.matter_add(
        actor=chair, meeting=first, title="Samarbejdet med kommunerne ved løsladelse"
    )
    _minute(
        second,
        housing,
        "Fiktivt: Boligen er den hyppigste hindring ved løsladelse.",
        "Fiktivt: Ministeriet undersøger en fast kontakt i de største kommuner.",
    )
    services.action_agree(
        actor=second,
        item=housing,
        description="Fiktivt: Liste over kontaktpersoner i de fem største kommuner.",
        owner_user=None,
        owner_agency=ministry,
        due_on=today - timedelta(days=7),
    )
    dropped = services.action_agree(
        actor=second,
        item=housing,
        description="Fiktivt: Fælles informationsmøde for kommunerne.",
        owner_user=second,
        owner_agency=None,
        due_on=today - timedelta(days=14),
    )
    services.action_move(
        actor=second, action=dropped, version=dropped.version, status=ActionStatus.DROPPED
    )
    first.refresh_from_db()
    services.minutes_approve(actor=chair, meeting=first, version=first.version)

    # Last week: the escalated case and the open actions; waiting for the chair's approval.
    _escalated_case(chair)
    last = services.meeting_plan(
        actor=chair, group=group, held_on=today - timedelta(days=6), chair=chair, attendees=everyone
    )
    case = last.items.get(kind="case")
    _minute(
        second,
        case,
        "Fiktivt: Mentor har set tegn på fornyet interesse for miljøet. Oplysningerne er "
        "videregivet til PET i en særskilt videregivelse.",
        "Fiktivt: Mentorforløbet fortsætter; PET vurderer, om der er behov for mere.",
    )
    pending = services.action_agree(
        actor=second,
        item=case,
        description="Fiktivt: PET melder tilbage til koordinatoren, om der er behov for mere.",
        owner_user=None,
        owner_agency=security,
        due_on=today + timedelta(days=10),
    )
    services.action_move(
        actor=security_liaison,
        action=pending,
        version=pending.version,
        status=ActionStatus.IN_PROGRESS,
    )
    services.action_agree(
        actor=second,
        item=case,
        description="Fiktivt: Koordinatoren følger op med mentor og coach efter næste besøg.",
        owner_user=chair,
        owner_agency=None,
        due_on=today + timedelta(days=4),
    )

    # In three weeks: planned; its agenda holds the open actions and one programme matter.
    upcoming = services.meeting_plan(
        actor=chair,
        group=group,
        held_on=today + timedelta(days=21),
        chair=second,
        attendees=everyone,
    )
    services.matter_add(actor=chair, meeting=upcoming, title="Evaluering: de første tal")
    # The meetings were planned before they were held.
    for meeting, days in ((first, 49), (last, 20), (upcoming, 2)):
        GroupMeeting.objects.filter(pk=meeting.pk).update(
            planned_at=timezone.now() - timedelta(days=days)
        )
    GroupMeeting.objects.filter(pk=first.pk).update(
        minutes_approved_at=timezone.now() - timedelta(days=33)
    )
    GroupAction.objects.filter(item__meeting=first).update(
        agreed_at=timezone.now() - timedelta(days=35)
    )
