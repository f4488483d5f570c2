from django import forms
from django.utils.translation import gettext_lazy as _

from backontrack.core import dates
from backontrack.core.forms import DesignSystemForm

from .models import Action

OBJECT_TYPES = [
    ("", _("Any kind of record")),
    ("accounts.user", _("User account")),
    ("accounts.organisation", _("Organisation")),
    ("accounts.institution", _("Institution")),
    ("mentees.mentee", _("Mentee")),
    ("mentees.custodyevent", _("Custody event")),
    ("audit.auditevent", _("Audit trail")),
]


class AuditSearchForm(DesignSystemForm):
    username = forms.CharField(label=_("User name"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *Action.choices]
    )
    object_type = forms.ChoiceField(label=_("Record"), required=False, choices=OBJECT_TYPES)
    object_id = forms.CharField(
        label=_("Record number"),
        required=False,
        max_length=64,
        help_text=_("The number in the record's address, for example 42 in /admin/users/42/."),
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
