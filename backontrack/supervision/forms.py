"""The session form: the date, format and next date; per mentor their wellbeing, caseload
and hours and the mentorships discussed with them (guidance for each); the actions agreed."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    CHOOSE,
    DesignSystemForm,
    ModelMultipleChoiceField,
    VersionedFormMixin,
)
from backontrack.mentees.forms import DateInput
from backontrack.mentors.models import Mentor
from backontrack.mentorships.models import Mentorship

from .models import QUESTIONS, Format, Owner, Participant, Session
from .services import ActionData, Discussed, Part, SessionData

PREFER_NOT = "none"
ACTION_ROWS = 3
SCORE_CHOICES = [
    *((str(n), str(n)) for n in range(1, 6)),
    (PREFER_NOT, _("Prefer not to say")),
]


class ConfirmForm(SubmitOnceMixin, forms.Form):
    """A button that confirms a session or finishes an action, sent once."""


class ChooseMentorsForm(forms.Form):
    """The first step: whom the session was with (one mentor, or a group)."""

    mentor = ModelMultipleChoiceField(
        label=_("Who was the session with?"),
        queryset=Mentor.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose more than one for a group session."),
    )

    def __init__(self, *args: Any, mentors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]


@dataclass
class MentorGroup:
    mentor: Mentor
    scores: list[forms.BoundField]
    workload_fields: list[forms.BoundField]
    mentorships: list[
        tuple[Mentorship, forms.BoundField | None, forms.BoundField, forms.BoundField]
    ]


class SessionForm(SubmitOnceMixin, DesignSystemForm):
    held_on = forms.DateField(
        label=_("Date of the session"),
        initial=timezone.localdate,
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("A session cannot be recorded before it has taken place.")
            )
        ],
    )
    format = forms.ChoiceField(label=_("Format"), choices=[("", CHOOSE), *Format.choices])
    next_on = forms.DateField(
        label=_("Next session"),
        required=False,
        widget=DateInput(),
        validators=[dates.GOAL_TARGET.validator()],
    )

    def __init__(
        self,
        *args: Any,
        mentors: list[Mentor],
        mentorships: dict[int, list[Mentorship]],
        caseloads: dict[int, int],
        discussed: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mentors = mentors
        self.mentorships = mentorships
        self.discussed_before = discussed
        if len(mentors) > 1:
            self.fields["format"].initial = Format.GROUP
        for mentor in mentors:
            for name, label, hint in QUESTIONS:
                self.fields[f"{name}_{mentor.pk}"] = forms.ChoiceField(
                    label=label, help_text=hint, choices=SCORE_CHOICES, widget=forms.RadioSelect
                )
            self.fields[f"caseload_{mentor.pk}"] = forms.IntegerField(
                label=_("Caseload (open mentorships)"),
                min_value=0,
                max_value=50,
                initial=caseloads.get(mentor.pk, 0),
            )
            self.fields[f"hours_{mentor.pk}"] = forms.IntegerField(
                label=_("Hours spent on mentoring since the last session"),
                min_value=0,
                max_value=500,
                required=False,
            )
            for m in mentorships.get(mentor.pk, []):
                if m.pk not in discussed:
                    self.fields[f"discussed_{m.pk}"] = forms.BooleanField(
                        label=_("Discussed: %(name)s") % {"name": m.mentee}, required=False
                    )
                self.fields[f"facts_{m.pk}"] = forms.CharField(
                    label=_("What was discussed (facts)"),
                    required=False,
                    max_length=4000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    help_text=_("What happened, as the mentor told it. Stored encrypted."),
                )
                self.fields[f"guidance_{m.pk}"] = forms.CharField(
                    label=_("Guidance given (assessment)"),
                    required=False,
                    max_length=4000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                    help_text=_("Your advice and assessment. Stored encrypted."),
                )
        owners: list[tuple[str, Any]] = [("", CHOOSE)]
        for mentor in mentors:
            owners.append((f"{Owner.MENTOR}:{mentor.pk}", str(mentor)))
            owners.append((f"{Owner.COACH}:{mentor.pk}", _("You, for %(name)s") % {"name": mentor}))
        for row in range(ACTION_ROWS):
            self.fields[f"action_{row}_text"] = forms.CharField(
                label=_("Action agreed"), required=False, max_length=500
            )
            self.fields[f"action_{row}_owner"] = forms.ChoiceField(
                label=_("Who does it"), choices=owners, required=False
            )
            self.fields[f"action_{row}_due"] = forms.DateField(
                label=_("Due"),
                required=False,
                widget=DateInput(),
                validators=[dates.GOAL_TARGET.validator()],
            )

    def general(self) -> list[forms.BoundField]:
        return [self[name] for name in ("held_on", "format", "next_on")]

    def groups(self) -> list[MentorGroup]:
        found = []
        for mentor in self.mentors:
            rows = []
            for m in self.mentorships.get(mentor.pk, []):
                tick = self[f"discussed_{m.pk}"] if f"discussed_{m.pk}" in self.fields else None
                rows.append((m, tick, self[f"facts_{m.pk}"], self[f"guidance_{m.pk}"]))
            found.append(
                MentorGroup(
                    mentor=mentor,
                    scores=[self[f"{name}_{mentor.pk}"] for name, _l, _h in QUESTIONS],
                    workload_fields=[self[f"caseload_{mentor.pk}"], self[f"hours_{mentor.pk}"]],
                    mentorships=rows,
                )
            )
        return found

    def action_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"action_{row}_{part}"] for part in ("text", "owner", "due")]
            for row in range(ACTION_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(ACTION_ROWS):
            text = (data.get(f"action_{row}_text") or "").strip()
            if text and not data.get(f"action_{row}_due"):
                self.add_error(f"action_{row}_due", _("Say by when the action is due."))
            if text and not data.get(f"action_{row}_owner"):
                self.add_error(f"action_{row}_owner", _("Say who does the action."))
        for mentor in self.mentors:
            for m in self.mentorships.get(mentor.pk, []):
                written = (data.get(f"facts_{m.pk}") or "") + (data.get(f"guidance_{m.pk}") or "")
                if written.strip() and not self._discussed(m, data):
                    self.add_error(
                        f"discussed_{m.pk}",
                        _("Tick the mentorship as discussed, or leave its notes empty."),
                    )
        return data

    def _discussed(self, m: Mentorship, data: dict[str, Any]) -> bool:
        return m.pk in self.discussed_before or bool(data.get(f"discussed_{m.pk}"))

    def session_data(self) -> SessionData:
        data = self.cleaned_data
        by_pk = {mentor.pk: mentor for mentor in self.mentors}
        parts = []
        for mentor in self.mentors:
            scores = {
                name: None
                if data[f"{name}_{mentor.pk}"] == PREFER_NOT
                else int(data[f"{name}_{mentor.pk}"])
                for name, _l, _h in QUESTIONS
            }
            parts.append(
                Part(
                    mentor=mentor,
                    caseload=data[f"caseload_{mentor.pk}"],
                    hours=data[f"hours_{mentor.pk}"],
                    discussed=[
                        Discussed(
                            mentorship=m,
                            facts=data[f"facts_{m.pk}"],
                            guidance=data[f"guidance_{m.pk}"],
                        )
                        for m in self.mentorships.get(mentor.pk, [])
                        if self._discussed(m, data)
                    ],
                    **scores,
                )
            )
        actions = []
        for row in range(ACTION_ROWS):
            text = (data.get(f"action_{row}_text") or "").strip()
            if not text:
                continue
            owner, _sep, mentor_pk = data[f"action_{row}_owner"].partition(":")
            actions.append(
                ActionData(
                    mentor=by_pk[int(mentor_pk)],
                    owner=owner,
                    text=text,
                    due_on=data[f"action_{row}_due"],
                )
            )
        return SessionData(
            held_on=data["held_on"],
            format=data["format"],
            next_on=data["next_on"],
            parts=parts,
            actions=actions,
        )


class SessionCorrectionForm(VersionedFormMixin, SessionForm):
    reason = forms.CharField(
        label=_("Why you correct it"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The session as it was is kept. Stored encrypted."),
    )


def initial_of(session: Session, parts: list[Participant]) -> dict[str, Any]:
    """The correction form's starting values: the session as recorded."""
    initial: dict[str, Any] = {
        "held_on": session.held_on,
        "format": session.format,
        "next_on": session.next_on,
        "version": session.version,
    }
    for part in parts:
        for name, _l, _h in QUESTIONS:
            value = getattr(part, name)
            initial[f"{name}_{part.mentor_id}"] = PREFER_NOT if value is None else str(value)
        initial[f"caseload_{part.mentor_id}"] = part.caseload
        initial[f"hours_{part.mentor_id}"] = part.hours
        for d in part.discussions.all():
            initial[f"facts_{d.mentorship_id}"] = d.facts
            initial[f"guidance_{d.mentorship_id}"] = d.guidance
    return initial
