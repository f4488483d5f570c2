from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Organisation, User
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
from backontrack.programmes.models import Programme

from .models import ActionStatus
from .services import TEXT_MAX

DEFAULT_DAYS = 14


def _in_two_weeks() -> Any:
    return timezone.localdate() + timedelta(days=DEFAULT_DAYS)


def _person(user: User) -> str:
    return user.get_full_name() or user.username


class MeetingForm(SubmitOnceMixin, DesignSystemForm):
    held_on = forms.DateField(
        label=_("Date"),
        initial=_in_two_weeks,
        widget=DateInput(),
        validators=[dates.SESSION.validator()],
    )
    chair = ModelChoiceField(
        label=_("Chair"),
        queryset=User.objects.none(),
        empty_label=CHOOSE,
        help_text=_("A coordinator of the programme; the chair approves the minutes."),
    )
    attendees = ModelMultipleChoiceField(
        label=_("Attendees"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, chairs: Any, attendees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (("chair", chairs), ("attendees", attendees)):
            self.fields[name].queryset = queryset  # type: ignore[attr-defined]
            self.fields[name].label_from_instance = _person  # type: ignore[attr-defined]


class AgendaRefreshForm(SubmitOnceMixin, DesignSystemForm):
    pass


class MatterForm(SubmitOnceMixin, DesignSystemForm):
    title = forms.CharField(
        label=_("Programme matter"),
        max_length=200,
        help_text=_("No names: a matter of the programme, not of a case."),
    )


class MinutesForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    summary = forms.CharField(
        label=_("Discussion summary"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Stored encrypted. Members of the group read it once it is written."),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActionForm(SubmitOnceMixin, DesignSystemForm):
    description = forms.CharField(
        label=_("What is to be done"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner_user = ModelChoiceField(
        label=_("Owner: a person"),
        queryset=User.objects.none(),
        empty_label=CHOOSE,
        required=False,
    )
    owner_agency = ModelChoiceField(
        label=_("Or owner: an agency"),
        queryset=Organisation.objects.none(),
        empty_label=CHOOSE,
        required=False,
        help_text=_("The agency's liaisons answer for it."),
    )
    due_on = forms.DateField(
        label=_("Due"),
        initial=_in_two_weeks,
        widget=DateInput(),
        validators=[dates.GOAL_TARGET.validator()],
    )

    def __init__(self, *args: Any, people: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].queryset = people  # type: ignore[attr-defined]
        self.fields["owner_user"].label_from_instance = _person  # type: ignore[attr-defined]
        self.fields["owner_agency"].queryset = agencies  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("owner_user")) == bool(data.get("owner_agency")):
            self.add_error("owner_user", _("Give the action one owner: a person or an agency."))
        return data


class ActionStatusForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    status = forms.ChoiceField(
        label=_("How it stands"), choices=ActionStatus.choices, widget=forms.RadioSelect
    )


class ApproveForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    pass


def _member(user: User) -> str:
    """A person as the group's forms offer them: with their agency."""
    if user.organisation is None:
        return _person(user)
    return f"{_person(user)} ({user.organisation})"


class GroupForm(SubmitOnceMixin, DesignSystemForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("As the members know it, e.g. “The working group of Back on Track”."),
    )
    chair = ModelChoiceField(
        label=_("Chair"),
        queryset=User.objects.none(),
        empty_label=CHOOSE,
        help_text=_(
            "A coordinator of the programme. They chair the meetings and approve the minutes "
            "someone else wrote."
        ),
    )

    def __init__(self, *args: Any, chairs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chairs  # type: ignore[attr-defined]
        self.fields["chair"].label_from_instance = _person  # type: ignore[attr-defined]


class GroupCreateForm(GroupForm):
    programme = ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), empty_label=CHOOSE
    )

    def __init__(self, *args: Any, programmes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        self.order_fields(["programme", "name", "chair"])


class GroupEditForm(VersionedFormMixin, GroupForm):
    pass


class AgencyForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    agency = ModelChoiceField(
        label=_("Agency"),
        queryset=Organisation.objects.none(),
        empty_label=CHOOSE,
        help_text=_(
            "An organisation the administrator has set up. Once it is a member, add its "
            "liaisons; what is disclosed to it stays a matter of disclosures."
        ),
    )

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies.order_by("name")  # type: ignore[attr-defined]


class MemberForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    person = ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        empty_label=CHOOSE,
        help_text=_(
            "A liaison of a member agency or a coordinator of the programme. You cannot add "
            "yourself."
        ),
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people.select_related("organisation").order_by(  # type: ignore[attr-defined]
            "first_name", "last_name", "id"
        )
        self.fields["person"].label_from_instance = _member  # type: ignore[attr-defined]


class LeaveForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    """Nothing to fill in: the version the page was read at, and the one-time token."""
