"""A high or immediate concern left untriaged past its programme's limit: an alert for the
programme's coordinators, on their home page and by e-mail through `send-alerts`."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backontrack.mentorships.alerts import COORDINATOR, Alert
from backontrack.programmes.models import Programme

from .models import TIMED, Concern, ConcernStatus, triage_limit


def overdue_filter(programmes: Iterable[Any], now: datetime) -> Q:
    """The untriaged high and immediate concerns past their programme's limit."""
    found = Q(pk__in=[])
    for programme in programmes:
        for severity in TIMED:
            limit = triage_limit(severity, programme)
            assert limit is not None  # noqa: S101 (TIMED severities have a limit)
            found |= Q(
                mentorship__programme=programme,
                status=ConcernStatus.RAISED,
                severity=severity,
                raised_at__lt=now - limit,
            )
    return found


def triage_overdue_alerts(now: datetime | None = None) -> list[Alert]:
    """Every concern past its triage limit, as an alert to its programme's coordinators. The
    key names the concern: it is sent once."""
    now = now or timezone.now()
    concerns = (
        Concern.objects.filter(overdue_filter(Programme.objects.all(), now))
        .select_related(
            "mentorship__programme",
            "mentorship__mentee",
            "mentorship__mentor__user",
            "mentorship__coach__user",
        )
        .order_by("raised_at", "id")
    )
    return [
        Alert(
            key=f"concern_triage:{concern.pk}",
            kind="concern_triage",
            mentorship=concern.mentorship,
            text=_("A concern (%(severity)s) raised %(when)s waits for triage.")
            % {
                "severity": str(concern.get_severity_display()).lower(),
                "when": date_format(timezone.localtime(concern.raised_at), "SHORT_DATETIME_FORMAT"),
            },
            audience=frozenset({COORDINATOR}),
            path=f"/concerns/{concern.pk}/",
        )
        for concern in concerns
    ]
