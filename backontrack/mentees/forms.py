from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Institution
from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    CHOOSE,
    DesignSystemForm,
    ModelChoiceField,
    VersionedFormMixin,
    require_filled,
    required_when,
    style_fields,
)
from backontrack.programmes.models import Programme

from . import identity
from .models import (
    CATEGORY_OF_CUSTODY_STATUS,
    Consent,
    CustodyEvent,
    CustodyStatus,
    DataSubjectCategory,
    Gender,
    Language,
    Mentee,
)
from .services import MenteeData

NAME_MAX = 100
NOTES_MAX = 5000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _institutions() -> Any:
    return Institution.objects.filter(is_active=True).order_by("name")


class PersonForm(DesignSystemForm):
    """Who the person is: the fields a referral needs as well as the register."""

    first_name = forms.CharField(label=_("First name"), max_length=NAME_MAX)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_MAX)
    personal_id = forms.CharField(
        label=_("Personal identification number (CPR)"),
        max_length=20,
        help_text=_("10 digits, DDMMYY-SSSS. Stored encrypted; it never appears in addresses."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput())
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", CHOOSE), *Gender.choices])
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The languages the person speaks well enough for a mentorship. Matching looks "
            "for a mentor who speaks one of them."
        ),
        error_messages={"required": _("Tick at least one language the person speaks.")},
    )
    institution = ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False
    )
    custody_status = forms.ChoiceField(
        label=_("Custody status"), choices=[("", CHOOSE), *CustodyStatus.choices]
    )
    data_subject_category = required_when(
        forms.ChoiceField(
            label=_("Data-subject category"),
            choices=[("", CHOOSE), *DataSubjectCategory.choices],
            required=False,
            help_text=_(
                "The law-enforcement data rules ask for it. For every other custody status it "
                "is set from the status: on remand, suspected or charged; serving a sentence "
                "or on licence, convicted; acquitted, other."
            ),
        ),
        _("Required when the person is released."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = _institutions()  # type: ignore[attr-defined]

    def clean_personal_id(self) -> str:
        return identity.normalise(self.cleaned_data["personal_id"])

    def clean_date_of_birth(self) -> date:
        born: date = self.cleaned_data["date_of_birth"]
        problem = dates.BIRTH.problem(born, too_late=_("The date of birth is in the future."))
        if problem is not None:
            raise forms.ValidationError(problem)
        return born

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        digits, born = cleaned.get("personal_id"), cleaned.get("date_of_birth")
        if digits and born and not identity.matches_date_of_birth(digits, born):
            self.add_error(
                "personal_id",
                _("The first six digits do not match the date of birth (%(date)s).")
                % {"date": born.strftime("%d%m%y")},
            )
        derived = CATEGORY_OF_CUSTODY_STATUS.get(cleaned.get("custody_status", ""))
        if derived is not None:
            cleaned["data_subject_category"] = derived
        elif cleaned.get("custody_status"):
            require_filled(self, "data_subject_category", _("Choose the data-subject category."))
        return cleaned

    def mentee_data(self) -> MenteeData:
        data = self.cleaned_data
        return MenteeData(
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            date_of_birth=data["date_of_birth"],
            personal_id_digits=data["personal_id"],
            gender=data["gender"],
            languages=data.get("languages", []),
            institution=data["institution"],
            custody_status=data["custody_status"],
            expected_release_date=data.get("expected_release_date"),
            earliest_release_date=data.get("earliest_release_date"),
            data_subject_category=data["data_subject_category"],
            notes=data.get("notes", ""),
            mentor_gender_preference=data.get("mentor_gender_preference", ""),
        )


class MenteeForm(SubmitOnceMixin, VersionedFormMixin, PersonForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages the person speaks well enough for a mentorship."),
    )
    expected_release_date = forms.DateField(
        label=_("Expected release date"),
        required=False,
        widget=DateInput(),
        validators=[dates.RELEASE.validator()],
    )
    earliest_release_date = forms.DateField(
        label=_("Earliest release date"),
        required=False,
        widget=DateInput(),
        validators=[dates.RELEASE.validator()],
        help_text=_("For example the earliest date for release on licence."),
    )
    mentor_gender_preference = forms.ChoiceField(
        label=_("Preferred gender of the mentor"),
        choices=[
            ("", _("No preference")),
            (Gender.FEMALE, _("A woman")),
            (Gender.MALE, _("A man")),
        ],
        required=False,
        help_text=_("Only if the person has asked; matching takes it into account."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Stored encrypted. Write facts; mark assessments as such."),
    )

    field_order = [
        "first_name",
        "last_name",
        "personal_id",
        "date_of_birth",
        "gender",
        "languages",
        "mentor_gender_preference",
        "institution",
        "custody_status",
        "expected_release_date",
        "earliest_release_date",
        "data_subject_category",
        "notes",
    ]

    def __init__(
        self,
        *args: Any,
        instance: Mentee | None = None,
        programmes: QuerySet[Programme] | None = None,
        **kwargs: Any,
    ) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "first_name": instance.first_name,
                    "last_name": instance.last_name,
                    "personal_id": instance.personal_id,
                    "date_of_birth": instance.date_of_birth,
                    "gender": instance.gender,
                    "languages": instance.languages,
                    "mentor_gender_preference": instance.mentor_gender_preference,
                    "institution": instance.institution,
                    "custody_status": instance.custody_status,
                    "expected_release_date": instance.expected_release_date,
                    "earliest_release_date": instance.earliest_release_date,
                    "data_subject_category": instance.data_subject_category,
                    "notes": instance.notes,
                    "version": instance.version,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is None:
            self.fields["version"].required = False
        self.only_programme = None
        if instance is None and programmes is not None:
            choices = list(programmes)
            if len(choices) == 1:
                self.only_programme = choices[0]
            else:
                # Registering chooses the programme the person comes into, when there is a
                # choice; a coordinator of none is told whom to ask.
                self.fields["programme"] = ModelChoiceField(
                    label=_("Programme"),
                    queryset=programmes,
                    empty_label=CHOOSE,
                    help_text=_("The programme whose coordinators will see the record.")
                    if choices
                    else _("You coordinate no programme yet: ask the administrator to add you."),
                )
                self.order_fields(["programme", *self.field_order])
                style_fields(self)

    def registered_in(self) -> Programme | None:
        """The programme the new record is registered in."""
        return self.cleaned_data.get("programme") or self.only_programme

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        expected = cleaned.get("expected_release_date")
        earliest = cleaned.get("earliest_release_date")
        if expected and earliest and earliest > expected:
            self.add_error(
                "earliest_release_date",
                _("The earliest release date is after the expected release date."),
            )
        for name in ("expected_release_date", "earliest_release_date"):
            problem = dates.not_before_birth(cleaned.get(name), cleaned.get("date_of_birth"))
            if problem is not None and name not in self.errors:
                self.add_error(name, problem)
        return cleaned


class MenteeSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=NAME_MAX)

    def clean_q(self) -> str:
        query: str = self.cleaned_data["q"]
        if sum(character.isdigit() for character in query) >= 6:
            raise forms.ValidationError(
                _(
                    "Search by personal identification number in its own box: a number "
                    "typed here would end up in the page address."
                )
            )
        return query

    institution = ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("All institutions"),
    )
    status = forms.ChoiceField(
        label=_("Custody status"),
        required=False,
        choices=[("", _("Any status")), *CustodyStatus.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = _institutions()  # type: ignore[attr-defined]
        self.fields["institution"].widget.attrs["class"] = "form-select"


class PersonalIdSearchForm(DesignSystemForm):
    personal_id = forms.CharField(
        label=_("Personal identification number"),
        max_length=20,
        help_text=_("Finds the one person with exactly this number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_personal_id(self) -> str:
        return identity.normalise(self.cleaned_data["personal_id"])


class CustodyEventForm(SubmitOnceMixin, DesignSystemForm):
    kind = forms.ChoiceField(
        label=_("What happened"), choices=[("", CHOOSE), *CustodyEvent.Kind.choices]
    )
    occurred_on = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        validators=[
            dates.LIFE_EVENT.validator(too_late=_("A custody event cannot be in the future."))
        ],
    )
    institution = required_when(
        ModelChoiceField(
            label=_("Institution"), queryset=Institution.objects.none(), required=False
        ),
        _("Required for an admission or a transfer: where the person is now held."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = _institutions()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        needs_place = {CustodyEvent.Kind.ADMISSION, CustodyEvent.Kind.TRANSFER}
        if kind in needs_place:
            require_filled(self, "institution", _("Say where the person is now held."))
        return cleaned


class ConsentForm(SubmitOnceMixin, DesignSystemForm):
    given_on = forms.DateField(
        label=_("Date the consent was given"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(too_late=_("Consent cannot be given in the future."))
        ],
    )
    how = forms.ChoiceField(
        label=_("How it was given"), choices=[("", CHOOSE), *Consent.How.choices]
    )
    participation = forms.BooleanField(
        label=_("Taking part in the programme"),
        required=False,
        help_text=_("Needed before a referral can be accepted."),
    )
    contact_network = forms.BooleanField(label=_("Contacting family and network"), required=False)
    share_with_agencies = forms.BooleanField(
        label=_("Sharing information with named agencies"), required=False
    )
    agencies = required_when(
        forms.CharField(
            label=_("Which agencies"),
            required=False,
            max_length=300,
            help_text=_("For example: the municipality's job centre, the probation office."),
        ),
        _("Required when the mentee agreed to sharing with named agencies."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        scope = ("participation", "contact_network", "share_with_agencies")
        if not any(cleaned.get(name) for name in scope):
            self.add_error(None, _("Tick what the mentee consented to."))
        if cleaned.get("share_with_agencies"):
            require_filled(
                self, "agencies", _("Name the agencies the mentee agreed to share with.")
            )
        return cleaned


class ConsentWithdrawForm(DesignSystemForm):
    withdrawn_on = forms.DateField(
        label=_("Date of withdrawal"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(too_late=_("The date cannot be in the future."))
        ],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted."),
    )
