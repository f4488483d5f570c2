"""Views load protected records only through the access policy (core/access.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.engine_independent

PROTECTED = [
    "Mentee",
    "CustodyEvent",
    "AuditEvent",
    "AuditEventSubject",
    "Referral",
    "ReferralTransition",
    "Screening",
    "Consent",
    "Mentor",
    "MentorStatusChange",
    "ScreeningCheck",
    "ConflictOfInterest",
    "Attendance",
    "ModuleSignOff",
    "PoolDraft",
    "DraftProposal",
    "Mentorship",
    "MentorshipChange",
    "Meeting",
    "MeetingRevision",
    "NetworkMember",
    "Involvement",
    "Review",
    "Rating",
    "CheckIn",
    "Plan",
    "Goal",
    "Concern",
    "ConcernRevision",
    "ConcernEvent",
]
VIEW_MODULES = sorted(
    path
    for path in (settings.PACKAGE_DIR).rglob("*.py")
    if path.name in {"views.py", "admin_views.py"} or path.parent.name == "views"
)
DIRECT_QUERY = re.compile(rf"\b({'|'.join(PROTECTED)})\.(objects|_default_manager)\b")


def test_there_are_views_to_check() -> None:
    assert any(path.parent.name == "mentees" for path in VIEW_MODULES)


def test_no_view_queries_a_protected_model_directly() -> None:
    offences = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}"
        for path in VIEW_MODULES
        for number, line in enumerate(Path(path).read_text().splitlines(), start=1)
        if DIRECT_QUERY.search(line)
    ]
    assert offences == [], "load these through backontrack.core.access:\n" + "\n".join(offences)
