"""The home page's reads: the summaries of each section, loaded through the access policy and,
where they name people, recorded in the audit trail in the same call."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from backontrack.accounts.models import Role, User
from backontrack.accounts.selectors import account_oversight, admin_summary, approvals_waiting
from backontrack.accounts.services import pending_roles
from backontrack.audit.models import Action
from backontrack.audit.services import record, recorded_together
from backontrack.concerns.selectors import own_concerns_for_home, untriaged_for_home
from backontrack.core.access import (
    alert_windows_visible_to,
    can_administer_accounts,
    can_approve_account_changes,
    can_manage_training,
    can_read_audit_trail,
    can_screen_referrals,
    can_see_programme_figures,
    courses_visible_to,
    is_liaison,
    mentors_visible_to,
    mentorships_visible_to,
    own_mentor_profile,
    programmes_coordinated_by,
    referrals_visible_to,
)
from backontrack.disclosures import selectors as disclosures
from backontrack.evaluation import selectors as evaluation_selectors
from backontrack.lessons import selectors as lessons
from backontrack.mentors.models import CourseSession, MentorStatus
from backontrack.mentors.readiness import readiness_for, sign_offs_waiting
from backontrack.mentorships.alerts import Alert, audience_of, first_alerts, visible_alerts
from backontrack.mentorships.models import (
    ONGOING,
    OPEN_MENTORSHIP_STATUSES,
    Mentorship,
    MentorshipStatus,
)
from backontrack.mentorships.selectors import is_quiet, record_mentees, with_last_meeting
from backontrack.programmes.models import Programme, ProgrammeStatus
from backontrack.referrals.models import OPEN_STATUSES, Referral, Status
from backontrack.supervision import selectors as supervision
from backontrack.workinggroup import selectors as working_group

HOME_ALERTS = 30
HOME_FOLLOW_UPS = 5


def home_page(user: User) -> dict[str, object]:
    """Every section of the user's home page, whose reads are filed in the trail together:
    one insert however many kinds of records the page lists."""
    roles = user.roles
    pending = [] if roles else [Role(role).label for role in pending_roles(user)]
    with recorded_together():
        return {
            "roles": [Role(role) for role in roles],
            "admin_summary": admin_summary() if can_administer_accounts(user) else None,
            "approvals_waiting": (
                approvals_waiting(user) if can_approve_account_changes(user) else 0
            ),
            "account_oversight": account_oversight(user) if can_read_audit_trail(user) else None,
            "own_pending_roles": pending,
            "referral_summary": referral_summary(user) if can_screen_referrals(user) else None,
            "training_summary": training_summary(user) if can_manage_training(user) else None,
            "own_readiness": own_readiness(user),
            "follow_ups": follow_up_summary(user) if can_screen_referrals(user) else None,
            **mentorship_summary(user),
            **concern_summary(user),
            **lessons_summary(user),
            **supervision_summary(user),
            **_disclosures(user),
            "working_group": working_group.home(user),
            "programme_figures": programme_figures(user),
            "smallest_shown": SMALLEST_SHOWN,
        }


def _disclosures(user: User) -> dict[str, object]:
    """The liaison's inbox of disclosures to their agency; the coordinator's proposals
    waiting for a second coordinator."""
    return {
        "disclosure_inbox": disclosures.inbox_summary(user) if is_liaison(user) else None,
        "disclosures_waiting": (
            disclosures.waiting_for_decision(user) if can_screen_referrals(user) else 0
        ),
    }


def referral_summary(user: object) -> dict[str, int | None]:
    """Open referrals and those that have waited longer than their programme allows, for the
    coordinator's home. `wait_days` is the limit when all the coordinator's programmes share
    one, else None."""
    open_referrals = referrals_visible_to(user).filter(status__in=OPEN_STATUSES)
    today = timezone.localdate()
    programmes = list(programmes_coordinated_by(user).only("id", "referral_wait_days"))
    overdue = Q(pk__in=[])
    for programme in programmes:
        cutoff = today - timedelta(days=programme.referral_wait_days)
        overdue |= Q(programme=programme, referred_on__lt=cutoff)
    limits = {programme.referral_wait_days for programme in programmes}
    return {
        "new": open_referrals.filter(status=Status.RECEIVED).count(),
        "open": open_referrals.count(),
        "overdue": open_referrals.filter(overdue).count(),
        "to_match": open_referrals.filter(status=Status.ACCEPTED).count(),
        "wait_days": limits.pop() if len(limits) == 1 else None,
    }


def authenticated_user_with_profile(user: object) -> User | None:
    """The signed-in mentor or coach who has a mentor profile, or None."""
    profile = own_mentor_profile(user)
    return profile.user if profile is not None else None


def training_summary(user: object) -> dict[str, object]:
    """For the trainer's home: who is in training, whose sign-off waits, the sessions coming
    up."""
    waiting = sign_offs_waiting(mentors_visible_to(user))
    if waiting:
        record(
            actor=user,
            action=Action.LIST,
            object_type="mentors.mentor",
            object_ids=[item.mentor.pk for item in waiting],
            fields=["name", "training"],
        )
    return {
        "sign_offs_waiting": waiting,
        "in_training": mentors_visible_to(user).filter(status=MentorStatus.IN_TRAINING).count(),
        "upcoming": list(
            CourseSession.objects.filter(
                course__in=courses_visible_to(user), starts_at__gte=timezone.now()
            )
            .select_related("course")
            .order_by("starts_at")[:5]
        ),
    }


def mentorship_summary(user: object) -> dict[str, object]:
    """The mentor's own mentorships and the coach's supervised ones, each with whether a
    meeting is overdue; the coordinator's count of proposed mentorships to activate."""
    if can_screen_referrals(user):
        # Every alert is the coordinator's: the first are worded, the rest only counted.
        visible = mentorships_visible_to(user)
        overdue, overdue_count = first_alerts(
            visible, limit=HOME_ALERTS, windows=alert_windows_visible_to(user)
        )
        _record_alerts(user, overdue)
        return {
            "to_activate": visible.filter(status=MentorshipStatus.PROPOSED).count(),
            "active_mentorships": visible.filter(status=MentorshipStatus.ACTIVE).count(),
            "overdue": overdue,
            "overdue_count": overdue_count,
        }
    account = authenticated_user_with_profile(user)
    if account is None:
        return {}
    open_ones = with_last_meeting(
        mentorships_visible_to(user)
        .filter(status__in=OPEN_MENTORSHIP_STATUSES)
        .select_related("mentee", "mentee__institution", "mentor", "coach")
        .order_by("mentee__last_name", "id")
    )[:50]
    rows = [(m, is_quiet(m)) for m in open_ones]
    own_alerts = visible_alerts(user, mentorships_visible_to(user))
    _record_alerts(user, own_alerts)
    mine = [row for row in rows if row[0].mentor.user_id == account.pk]
    supervised = [row for row in rows if row[0].coach.user_id == account.pk]
    if rows:
        record(
            actor=user,
            action=Action.LIST,
            object_type="mentorships.mentorship",
            object_ids=[m.pk for m, _quiet in rows],
            fields=["mentee", "status", "phase", "last_meeting"],
        )
        record_mentees(user, [m for m, _quiet in rows], ["name", "institution"], "home page")
    return {
        "my_mentorships": mine,
        "supervised_mentorships": supervised,
        "mentor_alerts": [a for a in own_alerts if "mentor" in audience_of(a, account.pk)],
        "coach_alerts": [a for a in own_alerts if "coach" in audience_of(a, account.pk)],
    }


def _record_alerts(user: object, shown: list[Alert]) -> None:
    record_mentees(user, [alert.mentorship for alert in shown[:HOME_ALERTS]], ["name", "alerts"])
    if shown:
        record(
            actor=user,
            action=Action.LIST,
            object_type="mentorships.mentorship",
            object_ids=sorted({alert.mentorship.pk for alert in shown[:HOME_ALERTS]}),
            fields=["mentee", "alerts"],
        )


def own_readiness(user: object) -> object:
    """The signed-in mentor's own progress towards readiness, or None without a profile."""
    mentor = own_mentor_profile(user)
    return readiness_for(mentor) if mentor is not None else None


def concern_summary(user: object) -> dict[str, object]:
    """The coordinator's concerns waiting for triage (overdue ones flagged); the open concerns
    on a mentor's own mentorships and on those a coach supervises, with their state."""
    if programmes_coordinated_by(user).exists():
        return {"untriaged": untriaged_for_home(user)}
    if own_mentor_profile(user) is None:
        return {}
    me = getattr(user, "pk", None)
    own = own_concerns_for_home(user)
    return {
        "my_concerns": [c for c in own if c.mentorship.coach.user_id != me],
        "supervised_concerns": [c for c in own if c.mentorship.coach.user_id == me],
    }


def lessons_summary(user: object) -> dict[str, object]:
    """For the trainer's home, the latest lessons tagged training in their programmes; for
    the coordinator's, how many lessons wait for a decision."""
    summary: dict[str, object] = {}
    if can_manage_training(user):
        summary["training_lessons"] = lessons.training_lessons(user)
    if can_screen_referrals(user):
        summary["lessons_to_decide"] = lessons.lessons_to_decide(user)
    return summary


def follow_up_summary(user: object) -> dict[str, object]:
    """The coordinator's follow-ups due (evaluation), the oldest few with their number."""
    shown, count = evaluation_selectors.first_follow_ups_due(user, HOME_FOLLOW_UPS)
    evaluation_selectors.record_due_shown(user, shown)
    return {"due": shown, "count": count}


def supervision_summary(user: object) -> dict[str, object]:
    """Supervision on the home page (templates/home/_*_supervision.html): the coach's
    supervised mentors and own actions, the mentor's actions and sessions to confirm, the
    coordinator's alerts about mentors' wellbeing and workload."""
    return {
        **supervision.coach_home(user),
        **supervision.mentor_home(user),
        **supervision.coordinator_alerts(user),
    }


# Counts below this are shown as "fewer than" it: a small number can point to a person.
SMALLEST_SHOWN = 5


def _suppressed(count: int) -> int | None:
    """The count, or None when it is small enough to point to someone (zero is shown)."""
    return None if 0 < count < SMALLEST_SHOWN else count


def programme_figures(user: object) -> list[dict[str, object]]:
    """Each active programme's counts for a liaison: referrals this year, mentorships under
    way, and mentorships closed this year, each suppressed when small."""
    if not can_see_programme_figures(user):
        return []
    year = timezone.localdate().year
    programmes = Programme.objects.filter(status=ProgrammeStatus.ACTIVE).only("id", "name")
    referred = dict(
        Referral.objects.filter(referred_on__year=year)
        .values_list("programme_id")
        .annotate(n=Count("id"))
    )
    ongoing = dict(
        Mentorship.objects.filter(status__in=ONGOING)
        .values_list("programme_id")
        .annotate(n=Count("id"))
    )
    closed = dict(
        Mentorship.objects.filter(status=MentorshipStatus.CLOSED, closed_on__year=year)
        .values_list("programme_id")
        .annotate(n=Count("id"))
    )
    return [
        {
            "programme": programme.name,
            "referred": _suppressed(referred.get(programme.pk, 0)),
            "ongoing": _suppressed(ongoing.get(programme.pk, 0)),
            "closed": _suppressed(closed.get(programme.pk, 0)),
        }
        for programme in programmes
    ]
