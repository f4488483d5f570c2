"""Progress reviews against a versioned instrument defined as data (see instruments.py).

An instrument has domains and items (risk or protective), rated on its scale or as
"unknown", with evidence. Licensed instruments are rated only by certified users."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed


def localised(text: dict[str, str]) -> str:
    """A text of an instrument in the page's language, else in English."""
    language = (get_language() or "en")[:2]
    return text.get(language) or text.get("en", "")


class Instrument(models.Model):
    code = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    definition: "models.JSONField[Any, Any]" = models.JSONField()
    requires_licence = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["code", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["code", "version"], name="one_instrument_version")
        ]

    def __str__(self) -> str:
        return f"{localised(self.definition['name'])} (v{self.version})"

    def items(self) -> list[dict[str, Any]]:
        """Every item, with its domain's name, in the order of the file."""
        return [
            {**item, "domain": localised(domain["name"]), "label": localised(item["text"])}
            for domain in self.definition["domains"]
            for item in domain["items"]
        ]

    def scale(self) -> list[tuple[int, str]]:
        return [(step["value"], localised(step["label"])) for step in self.definition["scale"]]


class Certification(models.Model):
    """A user certified to rate a licensed instrument (any version of its code)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications"
    )
    instrument_code = models.CharField(max_length=64)
    certified_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "instrument_code"], name="one_certification")
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.instrument_code}"


class Occasion(models.TextChoices):
    INTAKE = "intake", _("Intake")
    PERIODIC = "periodic", _("Periodic")
    PRE_RELEASE = "pre_release", _("Before release")
    CLOSURE = "closure", _("At closure")


class Review(RowKeyed):
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.CASCADE, related_name="reviews"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="reviews")
    occasion = models.CharField(_("occasion"), max_length=16, choices=Occasion.choices)
    held_on = models.DateField(_("date"))
    summary = EncryptedTextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["held_on", "id"]
        indexes: ClassVar = [models.Index(fields=["mentorship", "held_on"])]

    def __str__(self) -> str:
        return f"review {self.pk}"


class Rating(RowKeyed):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    item_code = models.CharField(max_length=64)
    value = models.SmallIntegerField(null=True)  # None: unknown
    evidence = EncryptedTextField(blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["review", "item_code"], name="one_rating_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_code}: {self.value}"
