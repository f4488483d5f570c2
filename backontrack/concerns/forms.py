from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    CHOOSE,
    DesignSystemForm,
    VersionedFormMixin,
    require_filled,
    required_when,
)
from backontrack.mentees.forms import DateInput

from .models import Category, ConcernStatus, EscalationTarget, Severity, agency_routes
from .services import Observation

TEXT_MAX = 4000


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def _at(day: Any, time: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time))


def _now_local() -> datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class WhenMixin(forms.Form):
    """A moment given as a local date and time (two inputs that work on a phone)."""

    when_fields: tuple[str, str] = ("on", "at")

    def moment(self) -> datetime | None:
        day, time = (self.cleaned_data.get(name) for name in self.when_fields)
        if day is None or time is None:
            return None
        return _at(day, time)


class ConcernForm(SubmitOnceMixin, WhenMixin, DesignSystemForm):
    category = forms.ChoiceField(
        label=_("What kind of concern"), choices=[("", CHOOSE), *Category.choices]
    )
    severity = forms.ChoiceField(
        label=_("How serious"), choices=Severity.choices, widget=forms.RadioSelect
    )
    on = forms.DateField(label=_("Observed on"), initial=timezone.localdate, widget=DateInput())
    at = forms.TimeField(label=_("At"), initial=lambda: _now_local().time(), widget=TimeInput())
    facts = forms.CharField(
        label=_("What you observed (facts)"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was said or done, by whom, where. Stored encrypted."),
    )
    assessment = forms.CharField(
        label=_("Your assessment"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you think it means, kept apart from the facts. Stored encrypted."),
    )

    def observation(self) -> Observation:
        data = self.cleaned_data
        moment = self.moment()
        assert moment is not None  # noqa: S101 (a valid form has both)
        return Observation(
            category=data["category"],
            severity=data["severity"],
            observed_at=moment,
            facts=data["facts"],
            assessment=data["assessment"],
        )


class CorrectForm(VersionedFormMixin, DesignSystemForm):
    facts = ConcernForm.base_fields["facts"]
    assessment = ConcernForm.base_fields["assessment"]


class TriageForm(VersionedFormMixin, DesignSystemForm):
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        widget=forms.RadioSelect,
        help_text=_("Confirm the severity it was raised with, or change it."),
    )
    assessment = forms.CharField(
        label=_("Your assessment"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted."),
    )
    next_step = forms.CharField(
        label=_("Next step"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who does what next. Stored encrypted."),
    )


class EscalateForm(WhenMixin, VersionedFormMixin, DesignSystemForm):
    target = forms.ChoiceField(
        label=_("Escalate to"), choices=EscalationTarget.choices, widget=forms.RadioSelect
    )
    agency_route = required_when(
        forms.ChoiceField(label=_("Agency"), required=False),
        _("Needed when it goes to an agency."),
    )
    passed_on = forms.CharField(
        label=_("What was passed on"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you told them, to whom. Stored encrypted."),
    )
    on = forms.DateField(label=_("Passed on on"), initial=timezone.localdate, widget=DateInput())
    at = forms.TimeField(label=_("At"), initial=lambda: _now_local().time(), widget=TimeInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency_route"].choices = [("", CHOOSE), *agency_routes().items()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("target") == EscalationTarget.AGENCY:
            require_filled(self, "agency_route", _("Choose the agency the concern goes to."))
        return cleaned


class EndForm(VersionedFormMixin, DesignSystemForm):
    text = forms.CharField(
        label=_("Outcome"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted."),
    )

    def __init__(self, *args: Any, label: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


class ConcernFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Open")), *ConcernStatus.choices],
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any severity")), *Severity.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any category")), *Category.choices]
    )
