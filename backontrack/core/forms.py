"""Form helpers shared by every app: design-system classes and accessible error wiring."""

import re
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    StrOrPromise = str | _StrPromise

FieldT = TypeVar("FieldT", bound=forms.Field)

# Ids are 64-bit integers in every engine; a larger number makes SQLite fail rather than
# find nothing, so it is refused before any query.
LARGEST_ID = 2**63 - 1
_DIGITS = re.compile(r"^[0-9]{1,19}$")
# The empty first choice of a list where any preselected answer would be a guess.
CHOOSE = _("— choose —")
# Versions count saves: far beyond any real count, yet within every engine's integer.
LARGEST_VERSION = 2**31 - 1


def is_database_id(value: Any) -> bool:
    text = str(value).strip()
    return bool(_DIGITS.match(text)) and int(text) <= LARGEST_ID


class ModelChoiceField(forms.ModelChoiceField):
    """Refuses a value that cannot be an id (not digits, or beyond 64 bits) as an invalid
    choice, without asking the database."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if not is_database_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else []:
            if not is_database_id(pk):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(pk)[:20]},
                )
        return super().clean(value)


class DesignSystemForm(forms.Form):
    """Puts the design system's classes on widgets and links each field to its hint and
    error message, so screen readers announce them with the field. Fields a form adds after
    its own __init__ are styled when they are first rendered."""

    def __getitem__(self, name: str) -> forms.BoundField:
        style_field(self, name, self.fields[name])
        return super().__getitem__(name)

    def full_clean(self) -> None:
        super().full_clean()
        describe_errors(self)


class DesignSystemModelForm(forms.ModelForm):
    def __getitem__(self, name: str) -> forms.BoundField:
        style_field(self, name, self.fields[name])
        return super().__getitem__(name)

    def full_clean(self) -> None:
        super().full_clean()
        describe_errors(self)


def style_field(form: forms.BaseForm, name: str, field: forms.Field) -> None:
    widget = field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        return
    if isinstance(widget, forms.CheckboxInput):
        widget.attrs.setdefault("class", "form-checkbox")
    elif isinstance(widget, forms.Select):
        widget.attrs.setdefault("class", "form-select")
    else:
        widget.attrs.setdefault("class", "form-input")
    if field.help_text and "aria-invalid" not in widget.attrs:
        widget.attrs["aria-describedby"] = f"{_auto_id(form, name)}-hint"


def style_fields(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        style_field(form, name, field)


def _auto_id(form: forms.BaseForm, name: str) -> str:
    """The id Django gives the field's input (BoundField.auto_id, without a BoundField)."""
    html_name = form.add_prefix(name)
    auto_id = form.auto_id
    if auto_id and "%s" in str(auto_id):
        return str(auto_id) % html_name
    return html_name if auto_id else ""


def describe_errors(form: forms.BaseForm) -> None:
    for name in form.errors:
        if name not in form.fields:
            continue
        widget = form.fields[name].widget
        ids = [f"{form[name].auto_id}-error"]
        if form.fields[name].help_text:
            ids.append(f"{form[name].auto_id}-hint")
        widget.attrs["aria-describedby"] = " ".join(ids)
        widget.attrs["aria-invalid"] = "true"


class VersionedFormMixin(forms.Form):
    """Carries the version the person started editing from, so a save that would overwrite
    someone else's newer change is refused instead of silently winning."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=LARGEST_VERSION)

    concurrent_edit_message = _(
        "Someone else saved a change to this record while you were editing it. "
        "Your changes have not been saved. The form now shows the latest version; "
        "make your changes again."
    )


def required_when(field: FieldT, when: "StrOrPromise") -> FieldT:
    """A field that is required only in some cases. Its label does not say "(optional)",
    and its hint starts by saying when it is required (`when`, a whole sentence)."""
    field.required_when = when  # type: ignore[attr-defined]
    field.help_text = format_lazy("{} {}", when, field.help_text) if field.help_text else when
    return field


def require_filled(form: forms.BaseForm, name: str, message: "StrOrPromise") -> None:
    """In `clean()`: the error for a field that `required_when` marks, left empty in a case
    that needs it. A field that already has an error (a value out of range, say) gets no
    second, contradictory one."""
    if name in form.errors:
        return
    value = form.cleaned_data.get(name)
    if isinstance(value, str):
        value = value.strip()
    if value in (None, "", [], ()):
        form.add_error(name, message)
