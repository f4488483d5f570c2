from typing import Any

from django import forms
from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator
from django.db.models import BooleanField
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Organisation, Role, User
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import DesignSystemForm, ModelChoiceField, VersionedFormMixin

from .models import MEMBER_ROLES, SETTINGS, Programme, ProgrammeStatus, setting_field


class ProgrammeForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False, max_length=5000
    )
    organisation = ModelChoiceField(
        label=_("Owning organisation"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        required=False,
    )
    status = forms.ChoiceField(label=_("Status"), choices=ProgrammeStatus.choices)

    def __init__(self, *args: Any, instance: Programme | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "description": instance.description,
                    "organisation": instance.organisation_id,
                    "status": instance.status,
                    "version": instance.version,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is None:
            self.fields["version"].required = False


class SettingsForm(SubmitOnceMixin, VersionedFormMixin, DesignSystemForm):
    """Every setting of the programme: a whole number within the model's limits, or yes/no."""

    def __init__(self, *args: Any, instance: Programme, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"version": instance.version, **{n: getattr(instance, n) for n in SETTINGS}},
        )
        super().__init__(*args, **kwargs)
        for name in SETTINGS:
            field = setting_field(name)
            label = str(field.verbose_name)
            if isinstance(field, BooleanField):
                self.fields[name] = forms.BooleanField(
                    label=label[:1].upper() + label[1:], help_text=field.help_text, required=False
                )
                continue
            limits = {
                type(v): v.limit_value for v in field.validators if isinstance(v, BaseValidator)
            }
            self.fields[name] = forms.IntegerField(
                label=label[:1].upper() + label[1:],
                help_text=field.help_text,
                min_value=limits[MinValueValidator],
                max_value=limits[MaxValueValidator],
            )


class MembershipForm(SubmitOnceMixin, DesignSystemForm):
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in MEMBER_ROLES])
    user = ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        help_text=_("Only active accounts that hold one of these roles are offered."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, role_grants__role__in=list(MEMBER_ROLES))
            .distinct()
            .order_by("last_name", "first_name", "id")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, role = data.get("user"), data.get("role")
        if user is not None and role and not user.role_grants.filter(role=role).exists():
            self.add_error(
                "user",
                _("%(name)s does not hold the role %(role)s.")
                % {"name": user.get_full_name(), "role": Role(role).label},
            )
        return data


class RemoveForm(SubmitOnceMixin, DesignSystemForm):
    """Nothing to fill in: the one-time token that makes a second click remove nothing."""
