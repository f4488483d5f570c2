"""The scheme's curriculum, as the first trainers taught it: seeded by a data migration and
again by the demo loader (a test database emptied between browser tests loses it)."""

from decimal import Decimal
from typing import Any

MODULES = [
    # code, name, name in Danish, hours, refresher months, refresher hours, for coaches
    ("dialogue", "Dialogue techniques", "Dialogteknikker", "14", 24, "4", False),
    ("coaching", "Coaching", "Coaching", "14", None, "0", False),
    ("conflict", "Conflict management", "Konflikthåndtering", "7", 24, "3.5", False),
    (
        "extremism",
        "Extremism and radicalisation",
        "Ekstremisme og radikalisering",
        "14",
        12,
        "3.5",
        False,
    ),
    (
        "family",
        "Involving family and network",
        "Inddragelse af familie og netværk",
        "7",
        None,
        "0",
        False,
    ),
    (
        "custody_planning",
        "Planning a mentorship in custody",
        "Planlægning af et mentorforløb under frihedsberøvelse",
        "7",
        None,
        "0",
        False,
    ),
    ("coach_supervision", "Coach supervision", "Supervision som mentorcoach", "14", 24, "4", True),
]


def ensure(training_module: Any) -> None:
    """Create the modules that are missing. `training_module` is the model class (the
    historical one when called from a migration)."""
    for order, (code, name, name_da, hours, months, refresher, coaches) in enumerate(MODULES):
        training_module.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_da": name_da,
                "required_hours": Decimal(hours),
                "refresher_months": months,
                "refresher_hours": Decimal(refresher),
                "for_coaches": coaches,
                "order": order,
            },
        )
