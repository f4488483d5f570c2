"""Demo concerns in every state, in both programmes: raised by mentors and coaches, triaged,
escalated and ended by the coordinators through the real services, then dated to when they
happened. One high concern on the six-week-old mentorship has waited past its programme's
24 hours, so the coordinator's home page and `send-alerts` show the alert. Every text is
synthetic."""

from datetime import datetime, timedelta

from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.concerns import services
from backontrack.concerns.models import Concern, ConcernEvent, ConcernRevision, EscalationTarget
from backontrack.concerns.services import Observation
from backontrack.mentorships.models import Mentorship, MentorshipStatus
from backontrack.programmes.models import Programme

from .guard import demo_only


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _mentorship(mentor: str, coach: str, status: str = MentorshipStatus.ACTIVE) -> Mentorship:
    return Mentorship.objects.filter(
        mentor__user__username=mentor, coach__user__username=coach, status=status
    ).earliest("id")


def _date(concern: Concern, stamp: str, when: datetime) -> None:
    """Date what the last service wrote: the concern's stamp (if named) and its latest
    history line."""
    if stamp:
        Concern.objects.filter(pk=concern.pk).update(**{stamp: when})
    event = concern.events.order_by("-id").first()
    if event is not None:
        ConcernEvent.objects.filter(pk=event.pk).update(occurred_at=when)
    concern.refresh_from_db()


def _raise(
    mentorship: Mentorship,
    by: str,
    ago: timedelta,
    *,
    category: str,
    severity: str,
    facts: str,
    assessment: str = "",
) -> Concern:
    now = timezone.now()
    concern = services.concern_raise(
        actor=_user(by),
        mentorship=mentorship,
        data=Observation(
            category=category,
            severity=severity,
            observed_at=now - timedelta(minutes=1),
            facts=facts,
            assessment=assessment,
        ),
    )
    _date(concern, "raised_at", now - ago)
    Concern.objects.filter(pk=concern.pk).update(observed_at=now - ago - timedelta(hours=2))
    concern.refresh_from_db()
    return concern


def _triage(concern: Concern, by: str, ago: timedelta, severity: str, assessment: str, step: str):
    services.concern_triage(
        actor=_user(by),
        concern=concern,
        version=concern.version,
        severity=severity,
        assessment=assessment,
        next_step=step,
    )
    _date(concern, "triaged_at", timezone.now() - ago)


def load() -> None:
    demo_only()
    six_weeks = Mentorship.objects.order_by("id").first()
    if six_weeks is None:
        return
    # Raised by the mentor 30 hours ago; nobody has triaged it: past the 24-hour limit.
    _raise(
        six_weeks,
        "mentor03",
        timedelta(hours=30),
        category="radicalisation",
        severity="high",
        facts=(
            "Fiktivt: Han viste mig en video fra en kanal, han før har taget afstand fra, og "
            "sagde, at 'de har ret i det meste'."
        ),
        assessment="Fiktivt: Jeg er i tvivl om, om han provokerer eller mener det.",
    )
    # Raised by the coach after supervision, triaged by the coordinator.
    boundary = _raise(
        six_weeks,
        "mentor02",
        timedelta(days=5),
        category="boundary",
        severity="medium",
        facts="Fiktivt: Mentoren har givet sit private telefonnummer til mentees bror.",
    )
    _triage(
        boundary,
        "coordinator",
        timedelta(days=4),
        "low",
        "Fiktivt: Ingen fare; rammerne for kontakt skal gennemgås.",
        "Fiktivt: Coachen tager det op ved næste supervision.",
    )

    remand = _mentorship("mentor01", "mentor02")
    threat = _raise(
        remand,
        "mentor01",
        timedelta(days=20),
        category="threat",
        severity="high",
        facts=(
            "Fiktivt: Han nævnte en medindsat ved navn og sagde, at 'det ordner vi, når vi er ude'."
        ),
        assessment="Fiktivt: Han var vred; jeg tager det alvorligt.",
    )
    services.concern_correct(
        actor=_user("mentor01"),
        concern=threat,
        version=threat.version,
        facts=(
            "Fiktivt: Han nævnte en medindsat ved navn og sagde, at 'det ordner vi, når vi er "
            "ude'. Det var på gangen efter besøget, ikke under det."
        ),
        assessment=threat.assessment,
    )
    corrected = threat.raised_at + timedelta(hours=1)
    ConcernRevision.objects.filter(concern=threat).update(changed_at=corrected)
    _date(threat, "", corrected)
    _triage(
        threat,
        "coordinator",
        timedelta(days=20) - timedelta(hours=3),
        "high",
        "Fiktivt: Konkret trussel mod en navngiven person.",
        "Fiktivt: Fængslets sikkerhedsafdeling orienteres i dag.",
    )
    services.concern_escalate(
        actor=_user("coordinator"),
        concern=threat,
        version=threat.version,
        target=EscalationTarget.AGENCY,
        agency_route="prison_security",
        passed_on=(
            "Fiktivt: Udsagnet, tidspunktet og den medindsattes navn; ikke samtalens øvrige "
            "indhold."
        ),
        passed_on_at=timezone.now() - timedelta(days=19, hours=20),
    )
    _date(threat, "escalated_at", timezone.now() - timedelta(days=19, hours=20))

    reentry = _mentorship("mentor04", "mentor01")
    safeguarding = _raise(
        reentry,
        "mentor04",
        timedelta(days=60),
        category="safeguarding",
        severity="high",
        facts="Fiktivt: Han sagde, at han ikke ser nogen grund til at blive løsladt til ingenting.",
    )
    _triage(
        safeguarding,
        "coordinator",
        timedelta(days=60) - timedelta(hours=5),
        "high",
        "Fiktivt: Tegn på håbløshed før løsladelsen.",
        "Fiktivt: Sundhedsafdelingen og arbejdsgruppen orienteres.",
    )
    services.concern_escalate(
        actor=_user("coordinator"),
        concern=safeguarding,
        version=safeguarding.version,
        target=EscalationTarget.WORKING_GROUP,
        agency_route="",
        passed_on="Fiktivt: Bekymringen og den planlagte samtale med fængslets læge.",
        passed_on_at=timezone.now() - timedelta(days=59),
    )
    _date(safeguarding, "escalated_at", timezone.now() - timedelta(days=59))
    services.concern_resolve(
        actor=_user("coordinator"),
        concern=safeguarding,
        version=safeguarding.version,
        outcome="Fiktivt: Samtaleforløb hos psykolog; boligen er på plads, og han er mere rolig.",
    )
    _date(safeguarding, "ended_at", timezone.now() - timedelta(days=30))

    aftercare = _mentorship("mentor07", "mentor02")
    safety = _raise(
        aftercare,
        "mentor07",
        timedelta(days=40),
        category="mentor_safety",
        severity="low",
        facts="Fiktivt: En bil holdt længe uden for caféen, hvor vi mødtes.",
    )
    services.concern_close(
        actor=_user("coordinator"),
        concern=safety,
        version=safety.version,
        reason="Fiktivt: Bilen tilhørte caféens leverandør; ingen sammenhæng med mentorforløbet.",
    )
    _date(safety, "ended_at", timezone.now() - timedelta(days=38))

    reallocated = _mentorship("mentor05", "mentor02")
    _raise(
        reallocated,
        "mentor05",
        timedelta(days=2),
        category="custody_security",
        severity="low",
        facts="Fiktivt: Han fortalte, at der handles med telefoner på hans afdeling.",
    )

    special = Mentorship.objects.filter(
        programme=Programme.objects.get(is_default=False), status=MentorshipStatus.PROPOSED
    ).first()
    if special is not None:
        pressure = _raise(
            special,
            "mentor02",
            timedelta(days=1),
            category="other",
            severity="medium",
            facts="Fiktivt: Hans tidligere omgangskreds har sendt ham breve via en advokat.",
        )
        _triage(
            pressure,
            "coordinator-special",
            timedelta(hours=20),
            "medium",
            "Fiktivt: Pres fra miljøet; intet akut.",
            "Fiktivt: Tages op ved det indledende møde.",
        )
