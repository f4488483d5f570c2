from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backontrack.core import dates
from backontrack.core.form_tokens import SubmitOnceMixin
from backontrack.core.forms import DesignSystemForm
from backontrack.mentees.forms import DateInput

from .models import Instrument, Occasion
from .services import ItemRating

UNKNOWN = "unknown"


class ReviewForm(SubmitOnceMixin, DesignSystemForm):
    """One field per item (its rating on the instrument's scale, or unknown) and one for
    its evidence, after the occasion and the date."""

    occasion = forms.ChoiceField(label=_("Occasion"), choices=Occasion.choices)
    held_on = forms.DateField(
        label=_("Date of the review"),
        initial=timezone.localdate,
        widget=DateInput(),
        validators=[
            dates.PROGRAMME_EVENT.validator(
                too_late=_("A review cannot be recorded before it has taken place.")
            )
        ],
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        choices = [*((str(v), label) for v, label in instrument.scale()), (UNKNOWN, _("Unknown"))]
        for item in instrument.items():
            kind = _("protective") if item["kind"] == "protective" else _("risk")
            self.fields[f"rating_{item['code']}"] = forms.ChoiceField(
                label=f"{item['domain']}: {item['label']} ({kind})",
                choices=choices,
                widget=forms.RadioSelect,
            )
            self.fields[f"evidence_{item['code']}"] = forms.CharField(
                label=_("Evidence"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("What you saw or heard that supports the rating. Stored encrypted."),
            )
        self.fields["summary"] = forms.CharField(
            label=_("Summary"),
            required=False,
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Stored encrypted."),
        )

    def ratings(self) -> list[ItemRating]:
        data = self.cleaned_data
        return [
            ItemRating(
                item_code=item["code"],
                value=None
                if data[f"rating_{item['code']}"] == UNKNOWN
                else int(data[f"rating_{item['code']}"]),
                evidence=data[f"evidence_{item['code']}"],
            )
            for item in self.instrument.items()
        ]
