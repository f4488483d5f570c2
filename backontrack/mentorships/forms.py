from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    CHOOSE,
    DesignSystemForm,
    ModelChoiceField,
    ModelMultipleChoiceField,
    VersionedFormMixin,
    require_filled,
    required_when,
)
from backontrack.mentees.forms import DateInput
from backontrack.mentors.models import Mentor

from .models import (
    AfterContact,
    AimArea,
    CheckIn,
    ClosureType,
    ExitInterview,
    Frequency,
    Goal,
    GoalStatus,
    Meeting,
    MentorshipStatus,
    NeedOwner,
    NeedStatus,
    Phase,
    ReallocationReason,
)
from .services import Agreement, Closure, GoalData, MeetingData, NeedData

TEXT_MAX = 4000
SECOND_MEETING = "second_meeting"
MEETING_MINUTES = (5, 600)
MEETING_LENGTH = _(
    "Give the length in minutes, from 5 to 600 (10 hours); for example 90 for an hour and a half."
)


# What a coordinator's form says when the mentorship changed after it was opened.
STALE = _("Someone else changed this mentorship meanwhile. Check it and try again.")


class ActivationForm(VersionedFormMixin, DesignSystemForm):
    initial_meeting_on = forms.DateField(
        label=_("Date of the initial meeting"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("The initial meeting must have taken place.")
            )
        ],
    )
    initial_meeting_with = forms.ChoiceField(
        label=_("Present for the programme"),
        choices=[("coordinator", _("The coordinator")), ("coach", _("The coach"))],
        widget=forms.RadioSelect,
    )
    agreement_signed_on = forms.DateField(
        label=_("Date the mentorship agreement was signed"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("The agreement cannot be signed in the future.")
            )
        ],
    )
    meeting_frequency = forms.ChoiceField(label=_("How often to meet"), choices=Frequency.choices)
    planned_months = forms.IntegerField(
        label=_("Planned duration (months)"), min_value=1, max_value=60, initial=12
    )
    roles_agreed = forms.CharField(
        label=_("Roles agreed"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the mentor, the mentee and the coach each take on. Stored encrypted."),
    )
    safety_rules = forms.CharField(
        label=_("Safety rules"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: no personal contact details, meetings in agreed places."),
    )

    def agreement(self) -> Agreement:
        data = self.cleaned_data
        return Agreement(
            initial_meeting_on=data["initial_meeting_on"],
            initial_meeting_with=data["initial_meeting_with"],
            agreement_signed_on=data["agreement_signed_on"],
            meeting_frequency=data["meeting_frequency"],
            planned_months=data["planned_months"],
            roles_agreed=data["roles_agreed"],
            safety_rules=data["safety_rules"],
        )


class ReasonForm(VersionedFormMixin, DesignSystemForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


def _second_meeting_field() -> forms.BooleanField:
    return forms.BooleanField(label=_("Yes, record a second meeting"), required=False)


class MeetingForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    """Quick entry: the common case (a prison visit that took place) needs a date, the
    minutes and a line of notes."""

    occurred_on = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("A meeting cannot be recorded before it has taken place.")
            )
        ],
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    outcome = forms.ChoiceField(
        label=_("Did it take place?"), choices=Meeting.Outcome.choices, widget=forms.RadioSelect
    )
    not_held_reason = required_when(
        forms.ChoiceField(
            label=_("Why it did not take place"),
            choices=[("", "—"), *Meeting.NotHeldReason.choices],
            required=False,
        ),
        _("Required when the meeting did not take place."),
    )
    duration_minutes = required_when(
        forms.IntegerField(
            label=_("How long it lasted (minutes)"),
            min_value=MEETING_MINUTES[0],
            max_value=MEETING_MINUTES[1],
            required=False,
            error_messages={
                "min_value": MEETING_LENGTH,
                "max_value": MEETING_LENGTH,
                "invalid": MEETING_LENGTH,
            },
        ),
        _("Required when the meeting took place."),
    )
    participants = forms.MultipleChoiceField(
        label=_("Who took part"),
        choices=Meeting.Participant.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Meeting.Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    engagement = forms.ChoiceField(
        label=_("Mentee engagement"),
        choices=[("", "—"), *Meeting.Engagement.choices],
        required=False,
    )
    facts = forms.CharField(
        label=_("What happened (facts)"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was said and done. Stored encrypted."),
    )
    assessment = forms.CharField(
        label=_("Your assessment"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your own view, kept apart from the facts. Stored encrypted."),
    )
    follow_up = forms.CharField(
        label=_("Follow-up"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label=_("Why you change this meeting"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It was recorded more than 48 hours ago; the earlier version is kept."),
    )

    goals = ModelMultipleChoiceField(
        label=_("Goals worked on"),
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        meeting: Meeting | None = None,
        late: bool = False,
        goals: Any = None,
        **kwargs: Any,
    ) -> None:
        if meeting is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(meeting, name) for name in MeetingData.__dataclass_fields__},
                    "goals": list(meeting.goals.all()),
                    "version": meeting.version,
                },
            )
        else:
            kwargs.setdefault(
                "initial",
                {
                    "occurred_on": timezone.localdate(),
                    "outcome": Meeting.Outcome.HELD,
                    "version": 0,
                },
            )
        super().__init__(*args, **kwargs)
        if goals is not None and goals.exists():
            self.fields["goals"].queryset = goals  # type: ignore[attr-defined]
            self.fields["goals"].label_from_instance = lambda goal: goal.title  # type: ignore[attr-defined]
        else:
            del self.fields["goals"]
        if late:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        self.same_day_warning = ""
        if self.is_bound and SECOND_MEETING in self.data:
            # The box was shown (see ask_about_second_meeting) and ticked.
            self.fields = {SECOND_MEETING: _second_meeting_field(), **self.fields}

    def ask_about_second_meeting(self, earlier: Meeting) -> None:
        """A meeting of this kind is already recorded on this day: the form comes back
        with the warning (`same_day_warning`) and, first, a box to tick if this really is a
        second meeting."""
        self.same_day_warning = _(
            "A meeting of the kind “%(kind)s” on %(date)s is already recorded for this "
            "mentorship (by %(by)s). If this is the same meeting, it is saved already: go "
            "back to the mentorship. If there really were two, tick the box below."
        ) % {
            "kind": earlier.get_kind_display(),
            "date": formats.date_format(earlier.occurred_on, "SHORT_DATE_FORMAT"),
            "by": earlier.recorded_by,
        }
        self.fields = {
            SECOND_MEETING: _second_meeting_field(),
            **{name: field for name, field in self.fields.items() if name != SECOND_MEETING},
        }

    def second_on_the_day(self) -> bool:
        return bool(self.cleaned_data.get(SECOND_MEETING))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("outcome") == Meeting.Outcome.HELD:
            require_filled(self, "duration_minutes", _("Say how long the meeting lasted."))
        elif cleaned.get("outcome"):
            require_filled(self, "not_held_reason", _("Say why the meeting did not take place."))
        return cleaned

    def chosen_goals(self) -> list[Goal]:
        return list(self.cleaned_data.get("goals") or [])

    def meeting_data(self) -> MeetingData:
        data = self.cleaned_data
        return MeetingData(
            occurred_on=data["occurred_on"],
            kind=data["kind"],
            outcome=data["outcome"],
            not_held_reason=data["not_held_reason"],
            duration_minutes=data["duration_minutes"],
            participants=list(data["participants"]),
            topics=list(data["topics"]),
            engagement=data["engagement"],
            facts=data["facts"],
            assessment=data["assessment"],
            follow_up=data["follow_up"],
        )


class MentorshipFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open (not closed)")), *MentorshipStatus.choices],
    )
    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=[("", _("All phases")), *Phase.choices]
    )


class PhaseForm(ReasonForm):
    phase = forms.ChoiceField(label=_("New phase"), choices=Phase.choices)
    field_order = ["phase", "reason", "version"]


class ReallocateForm(VersionedFormMixin, DesignSystemForm):
    mentor = ModelChoiceField(
        label=_("New mentor"),
        queryset=Mentor.objects.none(),
        help_text=_("Only mentors who are ready, have a place and no conflict of interest."),
    )
    reason = forms.ChoiceField(
        label=_("Why"), choices=ReallocationReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Stored encrypted."),
    )

    def __init__(self, *args: Any, mentors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class CloseForm(VersionedFormMixin, DesignSystemForm):
    """Everything a closure needs; what is missing is listed all at once."""

    closed_on = forms.DateField(
        label=_("Closing date"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(too_late=_("The closing date cannot be in the future."))
        ],
    )
    closure_type = forms.ChoiceField(
        label=_("How it ended"),
        choices=ClosureType.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    closure_reason = required_when(
        forms.CharField(
            label=_("Why it ended"),
            required=False,
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Stored encrypted."),
        ),
        _("Required unless the mentorship was completed."),
    )
    exit_interview_mentee = forms.ChoiceField(
        label=_("Exit interview with the mentee"),
        choices=ExitInterview.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    exit_interview_mentor = forms.ChoiceField(
        label=_("Exit interview with the mentor"),
        choices=ExitInterview.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    after_closure_contact = forms.ChoiceField(
        label=_("Contact after closure"),
        choices=AfterContact.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    rematch_eligible = forms.ChoiceField(
        label=_("May the person be matched again?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, started: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()
        if not started:
            for name in ("exit_interview_mentee", "exit_interview_mentor", "after_closure_contact"):
                del self.fields[name]

    def closure(self) -> Closure:
        data = self.cleaned_data
        rematch = data.get("rematch_eligible")
        return Closure(
            closed_on=data["closed_on"],
            closure_type=data.get("closure_type", ""),
            closure_reason=data.get("closure_reason", ""),
            exit_interview_mentee=data.get("exit_interview_mentee", ""),
            exit_interview_mentor=data.get("exit_interview_mentor", ""),
            after_closure_contact=data.get("after_closure_contact", ""),
            rematch_eligible=None if not rematch else rematch == "yes",
        )


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Everything")),
            ("meeting", _("Meetings")),
            ("phase", _("Phases")),
            ("status", _("Status, mentor and coach")),
            ("plan", _("Plan, goals and re-entry")),
            ("custody", _("Custody events")),
            ("network", _("Family and network")),
            ("review", _("Progress reviews")),
            ("check_in", _("Coordinator check-ins")),
            ("concern", _("Concerns")),
            ("supervision", _("Supervision")),
        ],
    )


class CoachForm(VersionedFormMixin, DesignSystemForm):
    coach = ModelChoiceField(
        label=_("New supervising coach"),
        queryset=Mentor.objects.none(),
        help_text=_(
            "Only coaches who are ready, have a place, are not the mentor and have no conflict "
            "of interest with the person."
        ),
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Stored encrypted; the coordinator and the new coach read it in the history; the "
            "mentor sees only that the coach changed."
        ),
    )

    def __init__(self, *args: Any, coaches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coach"].queryset = coaches  # type: ignore[attr-defined]


class CheckInForm(SubmitOnceMixin, DesignSystemForm):
    occurred_on = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("A check-in cannot be recorded before it has taken place.")
            )
        ],
    )
    how = forms.ChoiceField(label=_("How"), choices=[("", CHOOSE), *CheckIn.How.choices])
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = timezone.localdate()


class PlanForm(DesignSystemForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    custody_constraints = forms.CharField(
        label=_("Custody constraints"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the plan must work within: visit rules, restrictions on contact or "
            "leave, the wing's routines. Stored encrypted."
        ),
    )
    concurrent_edit_message = VersionedFormMixin.concurrent_edit_message


class GoalForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    area = forms.ChoiceField(label=_("Aim area"), choices=[("", CHOOSE), *AimArea.choices])
    title = forms.CharField(
        label=_("Goal"),
        max_length=500,
        help_text=_("What the mentee wants to reach, in their words. Stored encrypted."),
    )
    steps = forms.CharField(
        label=_("Steps"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    target_date = forms.DateField(
        label=_("Target date"),
        required=False,
        widget=DateInput(),
        validators=[dates.GOAL_TARGET.validator()],
    )
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100, initial=0)
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)
    outcome_reason = required_when(
        forms.CharField(
            label=_("About the outcome"),
            required=False,
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 2}),
        ),
        _("Required when the goal is dropped: say why."),
    )

    def __init__(self, *args: Any, goal: Any = None, **kwargs: Any) -> None:
        if goal is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(goal, name) for name in GoalData.__dataclass_fields__},
                    "version": goal.version,
                },
            )
        else:
            kwargs.setdefault("initial", {"version": 0, "status": GoalStatus.ACTIVE})
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == GoalStatus.DROPPED:
            require_filled(self, "outcome_reason", _("Say why the goal was dropped."))
        return cleaned

    def goal_data(self) -> GoalData:
        data = self.cleaned_data
        return GoalData(
            area=data["area"],
            title=data["title"],
            steps=data["steps"],
            target_date=data["target_date"],
            progress=data["progress"],
            status=data["status"],
            outcome_reason=data["outcome_reason"],
        )


class ReleaseForm(VersionedFormMixin, DesignSystemForm):
    release_date = forms.DateField(
        label=_("Release date"),
        widget=DateInput(),
        validators=[dates.RELEASE.validator()],
        help_text=_("Every due date in the plan moves with it."),
    )


class NeedForm(VersionedFormMixin, DesignSystemForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=NeedStatus.choices, widget=forms.RadioSelect
    )
    owner = forms.ChoiceField(label=_("Who arranges it"), choices=NeedOwner.choices)
    due_days_before = forms.IntegerField(
        label=_("Due, days before the release"), min_value=0, max_value=365
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted."),
    )

    def __init__(self, *args: Any, need: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                **{name: getattr(need, name) for name in NeedData.__dataclass_fields__},
                "version": need.version,
            },
        )
        super().__init__(*args, **kwargs)

    def need_data(self) -> NeedData:
        return NeedData(**{n: self.cleaned_data[n] for n in NeedData.__dataclass_fields__})
