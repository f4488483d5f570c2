from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import DesignSystemForm, ModelChoiceField, VersionedFormMixin
from backontrack.mentees.forms import DateInput
from backontrack.programmes.models import Programme

from .followups import months_before
from .models import Custody, Housing, Indicator, MilieuContact, Occupation, Reconviction, Source
from .services import IndicatorData, Outcome


def _radios(label: Any, choices: Any, help_text: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices.choices, widget=forms.RadioSelect, help_text=help_text
    )


class FollowUpForm(SubmitOnceMixin, DesignSystemForm):
    """What became of the person: codes only, never free text (it goes to the evaluators)."""

    recorded_on = forms.DateField(
        label=_("As of"),
        help_text=_("The day the information describes."),
        initial=timezone.localdate,
        widget=DateInput(),
        validators=[dates.PROGRAMME_EVENT.validator()],
    )
    reconviction = _radios(_("Reconviction since the case ended"), Reconviction)
    custody = _radios(_("Custody status"), Custody)
    housing = _radios(_("Housing"), Housing)
    occupation = _radios(_("Work or education"), Occupation)
    milieu_contact = _radios(_("Contact with the extremist milieu"), MilieuContact)
    source = _radios(
        _("Source"), Source, _("Where the information comes from: the register is preferred.")
    )

    def outcome(self) -> Outcome:
        return Outcome(**{name: self.cleaned_data[name] for name in Outcome.__dataclass_fields__})


class PeriodForm(DesignSystemForm):
    """The programme and period of the dashboard and the data set (a GET form)."""

    programme = ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    start = forms.DateField(
        label=_("From"), widget=DateInput(), validators=[dates.PROGRAMME_EVENT.validator()]
    )
    end = forms.DateField(
        label=_("To"), widget=DateInput(), validators=[dates.PROGRAMME_EVENT.validator()]
    )

    def __init__(self, data: Any, *, programmes: QuerySet[Programme]) -> None:
        today = timezone.localdate()
        first = programmes.order_by("-is_default", "name").first()
        defaults = {
            "programme": str(first.pk) if first else "",
            "start": months_before(today, 24).isoformat(),
            "end": today.isoformat(),
        }
        super().__init__({**defaults, **{k: v for k, v in data.items() if v}})
        cast(ModelChoiceField, self.fields["programme"]).queryset = programmes.order_by(
            "-is_default", "name"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end comes after the start."))
        elif start and end and months_before(end, 36) > start:
            self.add_error("start", _("A period is at most 36 months long."))
        return cleaned


class DataSetForm(PeriodForm):
    purpose = forms.CharField(
        label=_("Purpose of the export"),
        max_length=200,
        help_text=_(
            "For example “Annual evaluation 2026”. Exports for the same purpose share "
            "pseudonyms, so they can be joined; another purpose gets new ones."
        ),
    )
    file = forms.ChoiceField(
        label=_("File"),
        widget=forms.RadioSelect,
        choices=[
            ("xlsx", _("Workbook (XLSX): cases, follow-ups, data dictionary, suppression")),
            ("cases", _("Cases (CSV)")),
            ("follow-ups", _("Follow-ups (CSV)")),
            ("suppression", _("What was suppressed (CSV)")),
        ],
    )

    def __init__(self, data: Any, *, programmes: QuerySet[Programme]) -> None:
        super().__init__(data, programmes=programmes)
        if not data:  # the first look: the defaults, and no "required" message yet
            self.initial = {**dict(self.data), "file": "xlsx"}
            self.is_bound = False


NAME_WARNING = _(
    "This looks like the name of someone in the programme. An indicator is read by evaluators "
    "and liaisons and never names a person: rephrase it, or, if the word is not a person's "
    "name, confirm that below and save again."
)


class IndicatorForm(SubmitOnceMixin, DesignSystemForm):
    """An indicator of the theory of change: what the programme expects to change, and the
    figure that follows it."""

    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("What the programme expects to change, in a few words."),
    )
    description = forms.CharField(
        label=_("What the programme expects"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why the mentoring should move this figure, and which way. Read by evaluators "
            "and liaisons in the report: never a person's name."
        ),
    )
    measure = forms.ChoiceField(
        label=_("Followed by"),
        help_text=_(
            "A goal area: the share of its goals achieved in the mentorships closed each "
            "quarter. A review item: its mean rating at each occasion, from intake to closure. "
            "A follow-up outcome: its share at 6, 12 and 24 months, mentored against the "
            "comparison group."
        ),
    )
    active = forms.BooleanField(
        label=_("Show it on the dashboard and in the report"), required=False, initial=True
    )
    not_a_person = forms.BooleanField(
        label=_("I have checked: the indicator names no person."),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(
        self,
        *args: Any,
        measures: list[tuple[str, list[tuple[str, str]]]],
        indicator: Indicator | None = None,
        **kwargs: Any,
    ) -> None:
        if indicator is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": indicator.name,
                    "description": indicator.description,
                    "measure": f"{indicator.measure}:{indicator.target}",
                    "active": indicator.active,
                    "version": indicator.version,
                },
            )
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["measure"]).choices = [("", "—"), *measures]

    def texts(self) -> list[str]:
        return [self.cleaned_data["name"], self.cleaned_data["description"]]

    def warn_of_a_name(self) -> None:
        """The texts look like they name someone: say so, and offer the confirmation."""
        self.fields["not_a_person"].widget = forms.CheckboxInput()
        self.add_error(None, NAME_WARNING)

    def indicator_data(self) -> IndicatorData:
        data = self.cleaned_data
        measure, _sep, target = data["measure"].partition(":")
        return IndicatorData(
            name=data["name"],
            description=data["description"],
            measure=measure,
            target=target,
            active=data["active"],
        )


class IndicatorEditForm(VersionedFormMixin, IndicatorForm):
    pass
