from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import (
    DesignSystemForm,
    ModelChoiceField,
    VersionedFormMixin,
    require_filled,
    required_when,
)

from .models import Institution, Organisation, Region, Role, User
from .services import LinkStep, RoleRuleError, check_roles, pending_roles


class SigninForm(DesignSystemForm):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(DesignSystemForm):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=32,
        help_text=_(
            "The 6-digit code from your authenticator app. If you do not have your phone, "
            "enter one of your recovery codes instead."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"}
        ),
    )


class EnrolForm(DesignSystemForm):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        help_text=_("Enter the 6-digit code your app shows now, to prove it is set up."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordChangeForm(DesignSystemForm):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_(
            "At least 12 characters; not a common password, not only digits, "
            "and not like your name or user name. A phrase of several words works well."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        value: str = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("This is not your current password."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new, again = cleaned.get("new_password"), cleaned.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords are not the same."))
        elif new:
            if new == cleaned.get("current_password"):
                self.add_error("new_password", _("Choose a password you have not used here."))
            else:
                try:
                    password_validation.validate_password(new, self.user)
                except forms.ValidationError as error:
                    self.add_error("new_password", error)
        return cleaned


class LinkForm(DesignSystemForm):
    """What a sign-in link asks for (see services.LinkStep): the one-time code and a new
    password; the current password; or a new password."""

    code = forms.CharField(
        label=_("One-time code"),
        max_length=32,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"}
        ),
    )
    current_password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=4096,
        help_text=_("The password you sign in with; only your phone was reset."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = PasswordChangeForm.base_fields["new_password"]
    new_password_again = PasswordChangeForm.base_fields["new_password_again"]

    def __init__(self, *args: Any, user: User, step: str, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        wanted = {
            LinkStep.WITH_CODE: {"code", "new_password", "new_password_again"},
            LinkStep.WITH_CURRENT: {"current_password"},
            LinkStep.SET_UP_ANEW: {"new_password", "new_password_again"},
        }[LinkStep(step)]
        for name in set(self.fields) - wanted:
            del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "new_password" not in self.fields:
            return cleaned
        new, again = cleaned.get("new_password"), cleaned.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords are not the same."))
        elif new:
            try:
                password_validation.validate_password(new, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password", error)
        return cleaned


class AccountRequestDecisionForm(DesignSystemForm):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = required_when(
        forms.CharField(
            label=_("Why you refuse"),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("The administrator sees it; do not write case details here."),
        ),
        _("Required when you refuse."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "refuse":
            require_filled(
                self, "reason", _("Say why you refuse, so that the administrator can act.")
            )
        return cleaned


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(role.label)) for role in Role]


class UserForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[a-z0-9][a-z0-9._-]*$",
        help_text=_("Lower-case letters, digits, dots, hyphens and underscores."),
        error_messages={
            "invalid": _("Use only lower-case letters, digits, dots, hyphens and underscores.")
        },
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "The person's own work address: their one-time sign-in link is sent there, and "
            "nobody else sees it."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language for e-mails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
    )
    organisation = ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.filter(is_active=True)
    )
    person_key = forms.RegexField(
        label=_("Same person as another account"),
        max_length=40,
        required=False,
        regex=r"^[A-Za-z0-9._-]*$",
        help_text=_(
            "When one person holds two accounts, give both the same short code (for example "
            "their staff number): the person then never approves their own proposal from the "
            "other account. Leave empty otherwise."
        ),
        error_messages={"invalid": _("Use only letters, digits, dots, hyphens and underscores.")},
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=role_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A person may hold several roles, for example mentor and coach. Coordinator, "
            "mentor and coach take effect when a coordinator approves; auditor and "
            "administrator when another administrator approves."
        ),
    )

    def __init__(
        self, *args: Any, actor: User, instance: User | None = None, **kwargs: Any
    ) -> None:
        self.actor = actor
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "username": instance.username,
                    "first_name": instance.first_name,
                    "last_name": instance.last_name,
                    "email": instance.email,
                    "language": instance.language,
                    "organisation": instance.organisation,
                    "person_key": instance.person_key,
                    "roles": [*instance.roles, *sorted(pending_roles(instance))],
                    "version": instance.version,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is not None:
            # The user name is the sign-in identity and appears in the audit trail: fixed.
            self.fields["username"].disabled = True
            self.fields["username"].help_text = _("A user name cannot be changed.")
            self.fields["email"].help_text = _(
                "Sign-in links are sent to this address, so a new address takes effect only "
                "when a second person approves it (a coordinator, for accounts that read "
                "cases; otherwise another administrator)."
            )
            if instance.pk == actor.pk:
                self.fields["roles"].disabled = True
                self.fields["roles"].help_text = _(
                    "Nobody can change their own roles; ask another administrator."
                )
        else:
            self.fields["version"].required = False
            # A second account of a person is linked once both exist (on the edit page).
            del self.fields["person_key"]

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if self.instance is None and User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken. Choose another."))
        return username

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        others = User.objects.filter(email__iexact=email)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if email and others.exists():
            raise forms.ValidationError(
                _("Another account has this e-mail address. Each account needs its own.")
            )
        return email

    def clean_roles(self) -> list[str]:
        roles: list[str] = self.cleaned_data["roles"]
        try:
            check_roles(actor=self.actor, user=self.instance, roles=roles)
        except RoleRuleError as error:
            raise forms.ValidationError(str(error)) from error
        return roles


class OrganisationForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, instance: Organisation | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "kind": instance.kind,
                    "is_active": instance.is_active,
                    "version": instance.version,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is None:
            self.fields["version"].required = False

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        clash = Organisation.objects.filter(name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("An organisation with this name exists already."))
        return name


class InstitutionForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Institution.Kind.choices)
    region = forms.ChoiceField(label=_("Region"), choices=Region.choices)
    organisation = ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.filter(is_active=True)
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, instance: Institution | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "kind": instance.kind,
                    "region": instance.region,
                    "organisation": instance.organisation,
                    "is_active": instance.is_active,
                    "version": instance.version,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is None:
            self.fields["version"].required = False

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        clash = Institution.objects.filter(name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("An institution with this name exists already."))
        return name


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name or user name"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
