"""Every write to a mentorship, by part: its life (lifecycle), meetings, plan and goals, and
re-entry. Callers keep using `services.<name>`: the public names are here."""

from backontrack.core.errors import Refused

from ..models import ONGOING
from .lifecycle import (
    PAUSE_MOVES,
    PHASE_AFTER_EVENT,
    Agreement,
    Closure,
    check_in_record,
    closure_missing,
    coach_candidates,
    follow_custody_event,
    mentorship_activate,
    mentorship_change_coach,
    mentorship_close,
    mentorship_pause_or_resume,
    mentorship_reallocate,
    phase_for,
    phase_set,
    phases_due,
    reallocation_candidates,
    record_proposal,
)
from .meetings import (
    EDIT_GRACE,
    MeetingData,
    SameDayMeeting,
    meeting_edit,
    meeting_record,
    needs_reason,
)
from .plan import GoalData, goal_create, goal_update, plan_save
from .reentry import (
    NeedData,
    reentry_need_update,
    reentry_plan_create,
    reentry_release_follow,
    reentry_release_set,
)

__all__ = [
    "EDIT_GRACE",
    "ONGOING",
    "PAUSE_MOVES",
    "PHASE_AFTER_EVENT",
    "Agreement",
    "Closure",
    "GoalData",
    "MeetingData",
    "NeedData",
    "Refused",
    "SameDayMeeting",
    "check_in_record",
    "closure_missing",
    "coach_candidates",
    "follow_custody_event",
    "goal_create",
    "goal_update",
    "meeting_edit",
    "meeting_record",
    "mentorship_activate",
    "mentorship_change_coach",
    "mentorship_close",
    "mentorship_pause_or_resume",
    "mentorship_reallocate",
    "needs_reason",
    "phase_for",
    "phase_set",
    "phases_due",
    "plan_save",
    "reallocation_candidates",
    "record_proposal",
    "reentry_need_update",
    "reentry_plan_create",
    "reentry_release_follow",
    "reentry_release_set",
]
