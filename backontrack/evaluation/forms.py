from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import DesignSystemForm
from backontrack.mentees.forms import DateInput

from .models import Custody, Housing, MilieuContact, Occupation, Reconviction, Source
from .services import Outcome


def _radios(label: Any, choices: Any, help_text: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices.choices, widget=forms.RadioSelect, help_text=help_text
    )


class FollowUpForm(SubmitOnceMixin, DesignSystemForm):
    """What became of the person: codes only, never free text (it goes to the evaluators)."""

    recorded_on = forms.DateField(
        label=_("As of"),
        help_text=_("The day the information describes."),
        initial=timezone.localdate,
        widget=DateInput(),
        validators=[dates.PROGRAMME_EVENT.validator()],
    )
    reconviction = _radios(_("Reconviction since the case ended"), Reconviction)
    custody = _radios(_("Custody status"), Custody)
    housing = _radios(_("Housing"), Housing)
    occupation = _radios(_("Work or education"), Occupation)
    milieu_contact = _radios(_("Contact with the extremist milieu"), MilieuContact)
    source = _radios(
        _("Source"), Source, _("Where the information comes from: the register is preferred.")
    )

    def outcome(self) -> Outcome:
        return Outcome(**{name: self.cleaned_data[name] for name in Outcome.__dataclass_fields__})
