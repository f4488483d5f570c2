from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    DesignSystemForm,
    ModelChoiceField,
    ModelMultipleChoiceField,
    VersionedFormMixin,
)
from backontrack.mentees.forms import DateInput

from .models import AUTHOR_ROLES, Lesson, LessonStatus, Tag
from .services import LessonData

TITLE_MAX = 200
TEXT_MAX = 4000
NOTE_MAX = 2000
SEARCH_MAX = 100
NOT_FUTURE = dates.PROGRAMME_EVENT.validator(
    too_late=_("A lesson is about what has happened: the period cannot end later than today.")
)
NAME_WARNING = _(
    "This looks like the name of someone in the programme. A lesson never names a person: "
    "rephrase it (“the mentee”, “his brother”), or, if the word is not a person's name, "
    "confirm that below and save again."
)


class LessonForm(SubmitOnceMixin, DesignSystemForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("One line that says what the lesson is about. Never a person's name."),
    )
    what_happened = forms.CharField(
        label=_("What happened"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The situation, without names: “a mentee on remand”, “the mother”."),
    )
    what_we_learned = forms.CharField(
        label=_("What we learned"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the programme could do differently or keep doing."),
    )
    tags = ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    period_start = forms.DateField(
        label=_("It happened from"),
        required=False,
        widget=DateInput(),
        validators=[NOT_FUTURE],
        help_text=_("If the lesson is about a time (a lockdown, a release round)."),
    )
    period_end = forms.DateField(
        label=_("to"), required=False, widget=DateInput(), validators=[NOT_FUTURE]
    )
    not_a_person = forms.BooleanField(
        label=_("I have checked: the lesson names no person."),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(
        self, *args: Any, tags: QuerySet[Tag], lesson: Lesson | None = None, **kwargs: Any
    ) -> None:
        if lesson is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": lesson.title,
                    "what_happened": lesson.what_happened,
                    "what_we_learned": lesson.what_we_learned,
                    "tags": list(lesson.tags.all()),
                    "period_start": lesson.period_start,
                    "period_end": lesson.period_end,
                    "version": lesson.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = tags  # type: ignore[attr-defined]
        self.name_warned = False

    def warn_of_a_name(self) -> None:
        """The text looks like it names someone: say so, and offer the confirmation."""
        self.name_warned = True
        self.fields["not_a_person"].widget = forms.CheckboxInput()
        self.add_error(None, NAME_WARNING)

    def lesson_data(self) -> LessonData:
        data = self.cleaned_data
        return LessonData(
            title=data["title"],
            what_happened=data["what_happened"],
            what_we_learned=data["what_we_learned"],
            tags=list(data["tags"]),
            period_start=data["period_start"],
            period_end=data["period_end"],
        )

    def texts(self) -> list[str]:
        return self.lesson_data().texts()


class LessonEditForm(VersionedFormMixin, LessonForm):
    pass


class MoveForm(VersionedFormMixin, DesignSystemForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was decided and why; what the programme changes. Stored encrypted."),
    )


class TagForm(SubmitOnceMixin, DesignSystemForm):
    name = forms.CharField(label=_("New tag"), max_length=60)


class LessonFilterForm(forms.Form):
    """The list's filters. The words searched for are sent by POST and kept in the session
    (core.name_search): a lesson search may hold anything, a name too, and never stands in
    an address."""

    q = forms.CharField(label=_("Words in the lesson"), required=False, max_length=SEARCH_MAX)
    tag = ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.none(), required=False, empty_label=_("Any tag")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *LessonStatus.choices]
    )
    author_role = forms.ChoiceField(
        label=_("Written by"),
        required=False,
        choices=[("", _("Anyone")), *((r.value, r.label) for r in AUTHOR_ROLES)],
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, tags: QuerySet[Tag], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = tags  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period ends before it begins."))
        return data


class PeriodForm(forms.Form):
    """The adopted lessons' period: adopted from, to (both optional)."""

    start = forms.DateField(label=_("Adopted from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("to"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period ends before it begins."))
        return data
