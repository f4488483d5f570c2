from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backontrack.core import dates
from backontrack.core.forms import DesignSystemForm, require_filled, required_when
from backontrack.mentees.forms import PersonalIdSearchForm

from .describe import RECORD_KINDS
from .models import Action, StatedReason


def object_type_choices() -> list[tuple[str, str]]:
    kinds = sorted(
        ((code, str(names[0]).capitalize()) for code, names in RECORD_KINDS.items()),
        key=lambda choice: choice[1],
    )
    return [("", str(_("Any kind of record"))), *kinds]


class AuditSearchForm(DesignSystemForm):
    username = forms.CharField(label=_("User name"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *Action.choices]
    )
    object_type = forms.ChoiceField(label=_("Record"), required=False, choices=object_type_choices)
    object_id = forms.CharField(
        label=_("Record number"),
        required=False,
        max_length=64,
        help_text=_(
            "The number in the record's address, for example 42 in /mentorships/42/. Finds "
            "every event about it, lists and searches that showed it included."
        ),
    )
    through = forms.ChoiceField(
        label=_("Through"),
        required=False,
        choices=[
            ("", _("Pages and the API")),
            ("api", _("The API only")),
            ("pages", _("Pages only")),
        ],
    )
    via_token = forms.CharField(
        label=_("API token"),
        required=False,
        max_length=16,
        help_text=_("The token's id, as the token list shows it: every call made with it."),
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[dates.AUDIT_SEARCH.validator()],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[dates.AUDIT_SEARCH.validator()],
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned


class ExportForm(DesignSystemForm):
    purpose = forms.CharField(
        label=_("Why you export these events"),
        max_length=500,
        help_text=_(
            "For example: a data subject's request for access, a complaint, a periodic check. "
            "It is recorded with the export."
        ),
    )


class StatedPurposeForm(DesignSystemForm):
    """Why someone opens what their role does not routinely need."""

    reason = forms.ChoiceField(
        label=_("Why do you open it?"),
        choices=StatedReason.choices,
        widget=forms.RadioSelect,
    )
    details = required_when(
        forms.CharField(
            label=_("In a few words"),
            max_length=300,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_(
                "Name no one and write no case details: for example the number of a "
                "complaint or an inquiry."
            ),
        ),
        _("Required for “Other reason”."),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("reason") == StatedReason.OTHER:
            require_filled(self, "details", _("Say in a few words why you open it."))
        return cleaned


class PersonLookupForm(PersonalIdSearchForm, StatedPurposeForm):
    """The auditor finds a person by personal ID number and says why in the same step."""

    field_order = ("personal_id", "reason", "details")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Why do you look?")
