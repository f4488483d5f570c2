from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    CHOOSE,
    DesignSystemForm,
    ModelChoiceField,
    VersionedFormMixin,
)
from backontrack.mentees.forms import DateInput
from backontrack.mentorships.models import Meeting

from .models import Closeness, Influence, Involvement, NetworkMember, Relation, WithdrawnBy
from .services import MemberData

TEXT_MAX = 2000
NOT_FUTURE = dates.PROGRAMME_EVENT.validator(too_late=_("A consent cannot be dated in the future."))


class MemberForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("Stored encrypted."))
    relation = forms.ChoiceField(
        label=_("Relation to the mentee"), choices=[("", CHOOSE), *Relation.choices]
    )
    influence = forms.ChoiceField(
        label=_("Influence on the mentee"), choices=Influence.choices, widget=forms.RadioSelect
    )
    closeness = forms.ChoiceField(
        label=_("How close"),
        choices=Closeness.choices,
        initial=Closeness.SOME,
        widget=forms.RadioSelect,
    )
    contact_details = forms.CharField(
        label=_("Contact details"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Phone, address. Stored encrypted; never used without both consents."),
    )
    mentee_consent_on = forms.DateField(
        label=_("The mentee agreed to involve this person on"),
        required=False,
        widget=DateInput(),
        validators=[NOT_FUTURE],
        help_text=_("Leave empty until the mentee has agreed."),
    )
    member_consent_on = forms.DateField(
        label=_("The person agreed to be contacted on"),
        required=False,
        widget=DateInput(),
        validators=[NOT_FUTURE],
        help_text=_("Leave empty until the person has agreed."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Stored encrypted."),
    )

    def __init__(self, *args: Any, member: Any = None, **kwargs: Any) -> None:
        initial = {"version": 0}
        if member is not None:
            initial = {
                **{name: getattr(member, name) for name in MemberData.__dataclass_fields__},
                "version": member.version,
            }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if member is not None:
            # A consent once recorded stays as recorded; after a withdrawal no contact
            # details are kept.
            for name in ("mentee_consent_on", "member_consent_on"):
                if getattr(member, name) is not None or member.consent_withdrawn_on:
                    self.fields[name].disabled = True
            if member.consent_withdrawn_on is not None:
                self.fields["contact_details"].disabled = True

    def member_data(self) -> MemberData:
        data = self.cleaned_data
        return MemberData(**{name: data[name] for name in MemberData.__dataclass_fields__})


class WithdrawForm(VersionedFormMixin, DesignSystemForm):
    withdrawn_by = forms.ChoiceField(
        label=_("Who withdrew consent"), choices=WithdrawnBy.choices, widget=forms.RadioSelect
    )
    withdrawn_on = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("A withdrawal cannot be dated in the future.")
            )
        ],
    )


class InvolvementForm(SubmitOnceMixin, DesignSystemForm):
    member: "forms.ModelChoiceField[NetworkMember]" = ModelChoiceField(
        label=_("Who"),
        queryset=NetworkMember.objects.none(),
        help_text=_("Only people both the mentee and they themselves agreed to involve."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Involvement.Kind.choices, widget=forms.RadioSelect
    )
    occurred_on = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("Involvement cannot be recorded before it has taken place.")
            )
        ],
    )
    meeting: "forms.ModelChoiceField[Meeting]" = ModelChoiceField(
        label=_("At the meeting of"),
        queryset=Meeting.objects.none(),
        required=False,
        help_text=_("If it happened at a meeting you recorded."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Stored encrypted."),
    )

    def __init__(self, *args: Any, members: Any, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]
        self.fields["member"].label_from_instance = lambda m: (  # type: ignore[attr-defined]
            f"{m.name} ({m.get_relation_display().lower()})"
        )
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]
