from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Institution
from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    DesignSystemForm,
    ModelChoiceField,
    VersionedFormMixin,
    require_filled,
    required_when,
    style_fields,
)
from backontrack.mentees.forms import DateInput, PersonForm
from backontrack.programmes.models import Programme, ProgrammeStatus

from .eligibility import recommend
from .models import Finding, HateCrimeMotive, NotEligibleReason, Orientation, Status
from .services import ReferralData, ScreeningData

TEXT_MAX = 4000


class ReferralForm(SubmitOnceMixin, PersonForm):
    """The referral in one form: who (found by personal ID number, or new), why, and which
    of the programme's criteria apply."""

    referring_unit = forms.CharField(
        label=_("Referring unit"),
        max_length=200,
        help_text=_("Your prison, remand prison or probation office, and your section."),
    )
    referred_on = forms.DateField(
        label=_("Date of referral"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("The date of referral cannot be in the future.")
            )
        ],
    )
    charged_with_terrorism = forms.BooleanField(label=_("Charged with terrorism"), required=False)
    convicted_of_terrorism = forms.BooleanField(label=_("Convicted of terrorism"), required=False)
    hate_crime = forms.BooleanField(label=_("Offence aggravated as a hate crime"), required=False)
    hate_crime_motive = required_when(
        forms.ChoiceField(
            label=_("Motive of the hate crime"),
            choices=[("", _("Choose the motive")), *HateCrimeMotive.choices],
            required=False,
        ),
        _("Required when the offence was aggravated as a hate crime."),
    )
    vulnerable = forms.BooleanField(label=_("Vulnerable to radicalisation"), required=False)
    vulnerability_rationale = required_when(
        forms.CharField(
            label=_("Why the person is vulnerable to radicalisation"),
            required=False,
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Stored encrypted."),
        ),
        _("Required when the person is vulnerable to radicalisation."),
    )
    orientation = forms.ChoiceField(
        label=_("Extremism orientation"), choices=[("", _("Choose")), *Orientation.choices]
    )
    reason = forms.CharField(
        label=_("Why you refer the person"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you have seen or heard. Stored encrypted."),
    )

    programme = ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        empty_label=None,
        required=False,
        help_text=_(
            "The scheme you refer the person to. If unsure, keep the installation's default, "
            "chosen here already: its coordinators pass the referral on if it belongs elsewhere."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        running = Programme.objects.filter(status=ProgrammeStatus.ACTIVE)
        if running.count() > 1:
            field = self.fields["programme"]
            field.queryset = running  # type: ignore[attr-defined]
            field.initial = running.filter(is_default=True).first()
        else:
            # One programme: nothing to choose, the referral goes to the installation's default.
            del self.fields["programme"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        criteria = ("charged_with_terrorism", "convicted_of_terrorism", "hate_crime", "vulnerable")
        if not any(cleaned.get(name) for name in criteria):
            self.add_error(
                None,
                _(
                    "Tick at least one of the programme's criteria: charged with or convicted "
                    "of terrorism, a hate-crime-aggravated offence, or vulnerable to "
                    "radicalisation."
                ),
            )
        if cleaned.get("hate_crime"):
            require_filled(self, "hate_crime_motive", _("Choose the motive of the hate crime."))
        else:
            cleaned["hate_crime_motive"] = ""
        if cleaned.get("vulnerable"):
            require_filled(
                self,
                "vulnerability_rationale",
                _("Say why the person is vulnerable to radicalisation."),
            )
        return cleaned

    def referral_data(self) -> ReferralData:
        data = self.cleaned_data
        return ReferralData(
            referring_unit=data["referring_unit"].strip(),
            referred_on=data["referred_on"],
            reason=data["reason"].strip(),
            charged_with_terrorism=data["charged_with_terrorism"],
            convicted_of_terrorism=data["convicted_of_terrorism"],
            hate_crime=data["hate_crime"],
            hate_crime_motive=data["hate_crime_motive"],
            vulnerable=data["vulnerable"],
            vulnerability_rationale=data["vulnerability_rationale"].strip()
            if data["vulnerable"]
            else "",
            orientation=data["orientation"],
            programme=data.get("programme"),
        )


class MoveForm(VersionedFormMixin, DesignSystemForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted."),
    )


CRITERIA = [
    ("", _("Any criterion")),
    ("charged_with_terrorism", _("Charged with terrorism")),
    ("convicted_of_terrorism", _("Convicted of terrorism")),
    ("hate_crime", _("Hate crime")),
    ("vulnerable", _("Vulnerable to radicalisation")),
]


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All open referrals")), *Status.choices],
    )
    institution = ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("All institutions"),
    )
    criterion = forms.ChoiceField(label=_("Criterion"), required=False, choices=CRITERIA)
    orientation = forms.ChoiceField(
        label=_("Orientation"),
        required=False,
        choices=[("", _("Any orientation")), *Orientation.choices],
    )
    waited_days = forms.IntegerField(
        label=_("Waiting at least (days)"), required=False, min_value=0, max_value=3650
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).order_by("name")
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-input"
            )


CRITERIA_SCREENED = [
    ("charged", _("Charged with terrorism")),
    ("convicted", _("Convicted of terrorism")),
    ("hate_crime", _("Offence aggravated as a hate crime")),
    ("vulnerability", _("Vulnerable to radicalisation")),
]


class ScreeningForm(VersionedFormMixin, DesignSystemForm):
    """Walks through the four criteria (finding and evidence for each), then the decision."""

    conviction_date = required_when(
        forms.DateField(
            label=_("Date of conviction"),
            validators=[
                dates.LIFE_EVENT.validator(
                    too_late=_("The date of conviction cannot be in the future.")
                )
            ],
            required=False,
            widget=DateInput(),
        ),
        _("Required when the conviction for terrorism is confirmed."),
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(Status.ELIGIBLE, _("Eligible")), (Status.NOT_ELIGIBLE, _("Not eligible"))],
        widget=forms.RadioSelect,
    )
    not_eligible_reason = required_when(
        forms.ChoiceField(
            label=_("Reason code"),
            required=False,
            choices=[("", _("Choose")), *NotEligibleReason.choices],
            help_text=_("The referrer is told this reason, in these words."),
        ),
        _("Required when the person is not eligible."),
    )
    decision_note = required_when(
        forms.CharField(
            label=_("Reason for the decision"),
            required=False,
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_(
                "For the programme's staff; the referrer does not see it. Stored encrypted."
            ),
        ),
        _("Required when the person is not eligible."),
    )
    override_reason = required_when(
        forms.CharField(
            label=_("Why your decision differs from the recommendation"),
            required=False,
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
        ),
        _("Required when you decide otherwise than the rules recommend."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        finding_fields: dict[str, forms.Field] = {}
        for key, label in CRITERIA_SCREENED:
            finding_fields[f"{key}_finding"] = forms.ChoiceField(
                label=label, choices=Finding.choices, widget=forms.RadioSelect
            )
            finding_fields[f"{key}_evidence"] = forms.CharField(
                label=_("Evidence"),
                required=False,
                max_length=TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("What the finding rests on (documents, conversations). Encrypted."),
            )
        self.fields = {**finding_fields, **self.fields}
        style_fields(self)

    def findings(self) -> dict[str, str]:
        return {
            key: self.cleaned_data.get(f"{key}_finding", "") for key, _label in CRITERIA_SCREENED
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        findings = self.findings()
        if "" in findings.values():
            return cleaned
        if findings["convicted"] == Finding.CONFIRMED:
            require_filled(self, "conviction_date", _("Give the date of the conviction."))
        decision = cleaned.get("decision")
        if decision == Status.NOT_ELIGIBLE:
            require_filled(self, "not_eligible_reason", _("Choose the reason code."))
            require_filled(self, "decision_note", _("Say why the person is not eligible."))
        overriding = bool(decision) and recommend(findings).outcome != decision
        if overriding:
            require_filled(
                self,
                "override_reason",
                _(
                    "Your decision differs from the recommendation: say why. "
                    "Overrides are shown in the programme's reports."
                ),
            )
        return cleaned

    def screening_data(self) -> ScreeningData:
        data = self.cleaned_data
        return ScreeningData(
            findings=self.findings(),
            evidence={key: data[f"{key}_evidence"] for key, _label in CRITERIA_SCREENED},
            conviction_date=data["conviction_date"]
            if self.findings()["convicted"] == Finding.CONFIRMED
            else None,
            decision=data["decision"],
            not_eligible_reason=data["not_eligible_reason"],
            decision_note=data["decision_note"],
            override_reason=data["override_reason"],
        )


class AcceptForm(VersionedFormMixin, DesignSystemForm):
    pass
