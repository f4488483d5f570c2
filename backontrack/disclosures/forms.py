from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Organisation
from backontrack.concerns.models import Concern
from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    CHOOSE,
    DesignSystemForm,
    ModelChoiceField,
    ModelMultipleChoiceField,
    VersionedFormMixin,
)
from backontrack.mentees.forms import DateInput
from backontrack.mentorships.models import Meeting

from .legal_bases import legal_bases
from .models import REFERENCED, SectionKind, Urgency
from .services import Proposal

TEXT_MAX = 2000
DEFAULT_DAYS = 30


def _in_a_month() -> Any:
    return timezone.localdate() + timedelta(days=DEFAULT_DAYS)


class ProposalForm(SubmitOnceMixin, DesignSystemForm):
    recipient = ModelChoiceField(
        label=_("Recipient agency"), queryset=Organisation.objects.none(), empty_label=CHOOSE
    )
    kinds = forms.MultipleChoiceField(
        label=_("Sections to disclose"),
        choices=[(k.value, k.label) for k in SectionKind if k not in REFERENCED],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only what the recipient needs for the purpose. Nothing else is released."),
    )
    meetings = ModelMultipleChoiceField(
        label=_("Meeting summaries to disclose"),
        queryset=Meeting.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The facts and the mentor's assessment of each meeting chosen."),
    )
    concerns = ModelMultipleChoiceField(
        label=_("Concerns to disclose"),
        queryset=Concern.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("What was observed and the assessments of each concern chosen."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the recipient needs it for. Stored encrypted; the recipient sees it."),
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=())
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        widget=forms.RadioSelect,
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        initial=_in_a_month,
        widget=DateInput(),
        validators=[dates.EXPIRY.validator()],
        help_text=_("After this day the recipient no longer sees the disclosure."),
    )

    def __init__(
        self, *args: Any, recipients: Any, meetings: Any, concerns: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients  # type: ignore[attr-defined]
        self.fields["meetings"].queryset = meetings  # type: ignore[attr-defined]
        self.fields["meetings"].label_from_instance = lambda m: (  # type: ignore[attr-defined]
            f"{date_format(m.occurred_on, 'SHORT_DATE_FORMAT')}: {m.get_kind_display()}"
        )
        self.fields["concerns"].queryset = concerns  # type: ignore[attr-defined]
        self.fields["concerns"].label_from_instance = lambda c: (  # type: ignore[attr-defined]
            f"{date_format(timezone.localtime(c.observed_at), 'SHORT_DATE_FORMAT')}: "
            f"{c.get_category_display()} ({c.get_severity_display()})"
        )
        self.fields["legal_basis"].choices = [  # type: ignore[attr-defined]
            ("", CHOOSE),
            *((code, str(label)) for code, label in legal_bases().items()),
        ]

    def proposal(self) -> Proposal:
        data = self.cleaned_data
        return Proposal(
            recipient=data["recipient"],
            kinds=list(data["kinds"]),
            meetings=list(data["meetings"]),
            concerns=list(data["concerns"]),
            purpose=data["purpose"],
            legal_basis=data["legal_basis"],
            urgency=data["urgency"],
            expires_on=data["expires_on"],
        )


class DecisionForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    """Approve (with password and a new one-time code) or refuse (with a reason)."""

    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("approve", _("Approve the disclosure")), ("refuse", _("Refuse it"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for refusing"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to refuse; the proposer sees it. Stored encrypted."),
    )
    password = forms.CharField(
        label=_("Your password"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Needed to approve."),
    )
    code = forms.CharField(
        label=_("One-time code"),
        required=False,
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        help_text=_("Needed to approve: the code your authenticator app shows now."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "approve":
            if not data.get("password"):
                self.add_error("password", _("Enter your password to approve."))
            if not data.get("code"):
                self.add_error("code", _("Enter the code your app shows now to approve."))
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the disclosure is refused."))
        return data


class RevokeForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Kept encrypted for the programme's coordinators and the auditor; the agency "
            "sees only that the disclosure was revoked."
        ),
    )


class WithdrawForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    pass
