"""What the parts of a mentorship share: the history line that a plan, goal or re-entry
change writes."""

from django.utils import timezone

from backontrack.accounts.models import User

from ..models import Mentorship, MentorshipChange


def plan_change(
    *,
    mentorship: Mentorship,
    actor: User | None,
    kind: str,
    to: str,
    reason: str = "",
    reason_code: str = "",
    params: dict[str, object] | None = None,
) -> None:
    """`to` is a goal's "status:id" or, for the plans, a code of models.CHANGE_WORDINGS."""
    MentorshipChange.objects.create(
        mentorship=mentorship,
        kind=kind,
        to_value=to,
        reason=reason,
        reason_code=reason_code,
        params=params or {},
        actor=actor,
        occurred_at=timezone.now(),
    )
