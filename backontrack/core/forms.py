"""Form helpers shared by every app: design-system classes and accessible error wiring."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


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

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    concurrent_edit_message = _(
        "Someone else saved a change to this record while you were editing it. "
        "Your changes have not been saved. The form now shows the latest version; "
        "make your changes again."
    )


def not_in_future(message: Any) -> Callable[[date | None], None]:
    """A field validator: the date may be today or earlier, else `message`."""

    def validate(day: date | None) -> None:
        if day is not None and day > date.today():
            raise forms.ValidationError(message)

    return validate
