from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import DesignSystemForm, ModelChoiceField
from backontrack.programmes.models import Programme

from .models import Scope
from .services import MAX_PERSONAL_DAYS


class StepUpForm(SubmitOnceMixin, DesignSystemForm):
    """Both factors again, before a secret is made (accounts.step_up)."""

    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )
    code = forms.CharField(
        label=_("One-time code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        help_text=_("The code your authenticator app shows now (not one used before)."),
        error_messages={"required": _("Enter the code your app shows now.")},
    )


class TokenForm(StepUpForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, for example the script that uses it."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the token may do: only what your roles allow."),
        error_messages={"required": _("Tick at least one scope.")},
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_PERSONAL_DAYS,
        initial=30,
    )

    field_order = ("name", "scopes", "days", "password", "code")

    def __init__(self, *args: Any, scopes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["scopes"]).choices = [
            (scope, Scope(scope).label) for scope in scopes
        ]


class ClientForm(StepUpForm):
    name = forms.CharField(
        label=_("Name of the system"),
        max_length=100,
        help_text=_("For example the prison register of the Prison and Probation Service."),
    )
    programme = ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())

    field_order = ("name", "programme", "password", "code")

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ModelChoiceField, self.fields["programme"]).queryset = programmes
