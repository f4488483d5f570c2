"""The eligibility rules, in one place: the same findings always give the same
recommendation. The coordinator may decide otherwise, with a stated reason."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Finding, Status

NEEDS_INFORMATION = "needs_information"


@dataclass(frozen=True)
class Recommendation:
    outcome: str  # Status.ELIGIBLE, Status.NOT_ELIGIBLE or NEEDS_INFORMATION
    explanation: str | Promise


def recommend(findings: dict[str, str]) -> Recommendation:
    """`findings` maps each criterion to a Finding. One confirmed criterion is enough (the
    target group is any of the four); none confirmed but some unclear needs more
    information; none applying means not eligible."""
    values = list(findings.values())
    if Finding.CONFIRMED in values:
        return Recommendation(
            Status.ELIGIBLE, _("At least one of the programme's criteria is confirmed.")
        )
    if Finding.UNCLEAR in values:
        return Recommendation(
            NEEDS_INFORMATION,
            _("No criterion is confirmed yet and some are unclear: find out more first."),
        )
    return Recommendation(Status.NOT_ELIGIBLE, _("None of the programme's criteria applies."))
