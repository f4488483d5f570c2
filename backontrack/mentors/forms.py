from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Institution, Region, Role, User
from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    CHOOSE,
    DesignSystemForm,
    ModelChoiceField,
    ModelMultipleChoiceField,
    VersionedFormMixin,
    style_fields,
)
from backontrack.mentees import identity
from backontrack.mentees.forms import DateInput
from backontrack.mentees.models import Gender, Language
from backontrack.programmes.models import Programme

from .models import (
    MAX_CAPACITY,
    CheckKind,
    CheckResult,
    Competence,
    ConflictOfInterest,
    Course,
    Mentor,
    MentorStatus,
    RecruitedFrom,
    TrainerKind,
    TrainingModule,
)
from .services import SELF_SERVICE_FIELDS, CourseData, MentorData

NOTE_MAX = 2000


def _institutions() -> Any:
    return Institution.objects.filter(is_active=True).order_by("name")


def _capacity_help() -> str:
    # Put into words when the form is shown, so that it is in the reader's language.
    return str(_("How many mentees at a time, from 1 to %(max)s.") % {"max": MAX_CAPACITY})


class MentorForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    """The mentor's profile. For a mentor editing their own, only the self-service fields
    are shown (`own=True`)."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", CHOOSE), *Gender.choices])
    user = ModelChoiceField(
        label=_("User account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("The account the mentor signs in with, if they have one."),
    )
    recruited_from = forms.ChoiceField(
        label=_("Recruited from"), choices=[("", CHOOSE), *RecruitedFrom.choices]
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions covered"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    institutions = ModelMultipleChoiceField(
        label=_("Institutions covered"),
        queryset=Institution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    competences = forms.MultipleChoiceField(
        label=_("Competence areas"),
        choices=Competence.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    prior_experience = forms.CharField(
        label=_("Prior experience"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Work or life experience that matters for mentoring. Stored encrypted."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity (active mentees)"),
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text=lazy(_capacity_help, str)(),
    )
    coach_capacity = forms.IntegerField(
        label=_("Coach capacity (mentorships supervised)"),
        min_value=0,
        max_value=50,
        initial=0,
        help_text=_("0 if the mentor is not a coach."),
    )

    def __init__(
        self, *args: Any, instance: Mentor | None = None, own: bool = False, **kwargs: Any
    ) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "first_name": instance.first_name,
                    "last_name": instance.last_name,
                    "gender": instance.gender,
                    "user": instance.user,
                    "recruited_from": instance.recruited_from,
                    "languages": instance.languages,
                    "regions": instance.regions,
                    "institutions": list(instance.institutions.all()),
                    "competences": instance.competences,
                    "prior_experience": instance.prior_experience,
                    "capacity": instance.capacity,
                    "coach_capacity": instance.coach_capacity,
                    "version": instance.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = _institutions()  # type: ignore[attr-defined]
        accounts = User.objects.filter(role_grants__role=Role.MENTOR).filter(
            mentor_profile__isnull=True
        )
        if instance is not None and instance.user_id:
            accounts = accounts | User.objects.filter(pk=instance.user_id)
        self.fields["user"].queryset = accounts.distinct().order_by(  # type: ignore[attr-defined]
            "last_name", "first_name"
        )
        if instance is None:
            self.fields["version"].required = False
        if own:
            for name in list(self.fields):
                if name not in (*SELF_SERVICE_FIELDS, "institutions", "version"):
                    del self.fields[name]

    def mentor_data(self) -> MentorData:
        data = self.cleaned_data
        instance = self.instance

        def value(name: str, default: Any) -> Any:
            if name in self.fields:
                return data.get(name, default)
            return getattr(instance, name) if instance is not None else default

        return MentorData(
            first_name=value("first_name", "").strip(),
            last_name=value("last_name", "").strip(),
            gender=value("gender", ""),
            languages=sorted(value("languages", [])),
            regions=sorted(value("regions", [])),
            competences=sorted(value("competences", [])),
            recruited_from=value("recruited_from", ""),
            prior_experience=value("prior_experience", "").strip(),
            capacity=value("capacity", 1),
            coach_capacity=value("coach_capacity", 0),
            user=value("user", None),
        )


class MoveForm(VersionedFormMixin, DesignSystemForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def status_label(status: str) -> str:
    return str(MentorStatus(status).label)


class CheckForm(SubmitOnceMixin, DesignSystemForm):
    kind = forms.ChoiceField(label=_("Check"), choices=[("", CHOOSE), *CheckKind.choices])
    result = forms.ChoiceField(
        label=_("Result"), choices=CheckResult.choices, widget=forms.RadioSelect
    )
    checked_on = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("The date of a check cannot be in the future.")
            )
        ],
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput(),
        validators=[dates.EXPIRY.validator()],
        help_text=_("For checks that must be renewed, such as the criminal-record check."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted. Seen only by coordinators and the mentor."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        checked, expires = cleaned.get("checked_on"), cleaned.get("expires_on")
        if checked and expires and expires <= checked:
            self.add_error("expires_on", _("A check must be valid until a date after it was done."))
        return cleaned


class ConflictForm(SubmitOnceMixin, DesignSystemForm):
    personal_id = forms.CharField(
        label=_("The person's personal identification number (CPR)"),
        max_length=20,
        help_text=_("The person must be in the register. 10 digits, DDMMYY-SSSS."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    side = forms.ChoiceField(
        label=_("Recorded on"),
        choices=ConflictOfInterest.Side.choices,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("What the conflict is"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted. Seen only by coordinators."),
    )

    def clean_personal_id(self) -> str:
        return identity.normalise(self.cleaned_data["personal_id"])


class CourseForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    module = ModelChoiceField(label=_("Module"), queryset=TrainingModule.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    trainer_name = forms.CharField(label=_("Trainer"), max_length=200)
    trainer_organisation = forms.CharField(label=_("Trainer's organisation"), max_length=200)
    trainer_kind = forms.ChoiceField(
        label=_("Kind of organisation"), choices=[("", CHOOSE), *TrainerKind.choices]
    )
    location = forms.CharField(label=_("Place"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        instance: Course | None = None,
        programmes: QuerySet[Programme] | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "programme": instance.programme_id,
                    "module": instance.module,
                    "title": instance.title,
                    "trainer_name": instance.trainer_name,
                    "trainer_organisation": instance.trainer_organisation,
                    "trainer_kind": instance.trainer_kind,
                    "location": instance.location,
                    "version": instance.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = TrainingModule.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        )
        if instance is None:
            self.fields["version"].required = False
        choices = list(programmes) if programmes is not None else []
        self.only_programme = choices[0] if len(choices) == 1 else None
        if len(choices) > 1:
            # A trainer in several programmes says whose mentors the course is for.
            self.fields["programme"] = ModelChoiceField(
                label=_("Programme"),
                queryset=programmes,
                empty_label=CHOOSE,
                help_text=_("The programme whose mentors the course is for."),
            )
            self.order_fields(["programme"])
            style_fields(self)

    def course_data(self) -> CourseData:
        data = self.cleaned_data
        return CourseData(
            programme=data.get("programme") or self.only_programme,
            module=data["module"],
            title=data["title"].strip(),
            trainer_name=data["trainer_name"].strip(),
            trainer_organisation=data["trainer_organisation"].strip(),
            trainer_kind=data["trainer_kind"],
            location=data["location"].strip(),
        )


class SessionForm(SubmitOnceMixin, DesignSystemForm):
    day = forms.DateField(
        label=_("Date"), widget=DateInput(), validators=[dates.SESSION.validator()]
    )
    starts = forms.TimeField(
        label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(
        label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts"), cleaned.get("ends")
        if starts and ends and ends <= starts:
            self.add_error("ends", _("A session must end after it starts."))
        return cleaned

    def period(self) -> tuple[datetime, datetime]:
        day: date = self.cleaned_data["day"]
        zone = timezone.get_current_timezone()
        start: time = self.cleaned_data["starts"]
        end: time = self.cleaned_data["ends"]
        return (
            datetime.combine(day, start, tzinfo=zone),
            datetime.combine(day, end, tzinfo=zone),
        )


class AttendanceForm(DesignSystemForm):
    """One line per mentor: attended or not, and the hours."""

    def __init__(
        self,
        *args: Any,
        mentors: list[Mentor],
        present: dict[int, Decimal],
        session_hours: Decimal,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mentors = mentors
        self.session_hours = session_hours
        for mentor in mentors:
            self.fields[f"present_{mentor.pk}"] = forms.BooleanField(
                label=str(mentor), required=False, initial=mentor.pk in present
            )
            self.fields[f"hours_{mentor.pk}"] = forms.DecimalField(
                label=_("Hours for %(mentor)s") % {"mentor": mentor},
                required=False,
                min_value=Decimal("0.5"),
                max_value=session_hours,
                decimal_places=1,
                initial=present.get(mentor.pk, session_hours),
                widget=forms.NumberInput(
                    attrs={"step": "0.5", "class": "form-input input-width-xs"}
                ),
            )

    def rows(self) -> list[tuple[Mentor, forms.BoundField, forms.BoundField]]:
        return [(m, self[f"present_{m.pk}"], self[f"hours_{m.pk}"]) for m in self.mentors]

    def hours_by_mentor(self) -> dict[Mentor, Decimal]:
        result = {}
        for mentor in self.mentors:
            if self.cleaned_data.get(f"present_{mentor.pk}"):
                result[mentor] = self.cleaned_data.get(f"hours_{mentor.pk}") or self.session_hours
        return result


class SignOffForm(SubmitOnceMixin, DesignSystemForm):
    mentor = ModelChoiceField(label=_("Mentor"), queryset=Mentor.objects.none())
    signed_off_on = forms.DateField(
        label=_("Signed off on"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(too_late=_("A sign-off cannot be dated in the future."))
        ],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, mentors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]
        self.fields["signed_off_on"].initial = timezone.localdate()

    def clean_signed_off_on(self) -> date:
        day: date = self.cleaned_data["signed_off_on"]
        if day < timezone.localdate() - timedelta(days=365):
            raise forms.ValidationError(_("A sign-off can be dated at most a year back."))
        return day


class MatchForm(VersionedFormMixin, DesignSystemForm):
    mentor = ModelChoiceField(
        label=_("Mentor"), queryset=Mentor.objects.none(), widget=forms.RadioSelect
    )
    coach = ModelChoiceField(label=_("Supervising coach"), queryset=Mentor.objects.none())

    def __init__(self, *args: Any, mentors: Any, coaches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]
        self.fields["coach"].queryset = coaches  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mentor, coach = cleaned.get("mentor"), cleaned.get("coach")
        if mentor and coach and mentor.pk == coach.pk:
            self.add_error("coach", _("The coach cannot be the mentor."))
        return cleaned


class MentorFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All but those who left")), *MentorStatus.choices],
    )
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices]
    )
    q = forms.CharField(label=_("Name"), required=False, max_length=100)


class InviteForm(SubmitOnceMixin, DesignSystemForm):
    mentor = forms.TypedChoiceField(label=_("Mentor"), coerce=int)

    def __init__(self, *args: Any, mentors: list[Mentor], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].choices = [("", "")] + [(m.pk, str(m)) for m in mentors]  # type: ignore[attr-defined]
