"""The legal bases a disclosure may name: the installation's list (decision 0027).

The defaults are the Danish provisions a prison and probation service discloses under; an
installation narrows or extends the list with BACKONTRACK_DISCLOSURE_LEGAL_BASES (codes of
the defaults, or `code=Label` for its own, shown as written)."""

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DEFAULTS: dict[str, str | Promise] = {
    "pet_act_3": _("The Danish Security and Intelligence Service Act, section 3"),
    "law_enforcement_act_10": _(
        "The Act on the processing of personal data by law enforcement authorities, section 10"
    ),
    "administration_of_justice_115": _("The Administration of Justice Act, section 115"),
    "public_administration_28": _("The Public Administration Act, section 28"),
    "data_protection_act_8": _("The Data Protection Act, section 8"),
    "consent": _("The person's explicit consent to sharing with the named agency"),
}


def legal_bases() -> dict[str, str | Promise]:
    """Code → label of the legal bases this installation allows, in its order."""
    configured = getattr(settings, "BACKONTRACK_DISCLOSURE_LEGAL_BASES", [])
    if not configured:
        return dict(DEFAULTS)
    bases: dict[str, str | Promise] = {}
    for entry in configured:
        code, _sep, label = entry.partition("=")
        code = code.strip()
        if label.strip():
            bases[code] = label.strip()
        elif code in DEFAULTS:
            bases[code] = DEFAULTS[code]
    return bases


def label_of(code: str) -> str:
    """The label of a legal basis, also of one the installation no longer offers (a
    disclosure keeps the basis it was made under)."""
    return str(legal_bases().get(code) or DEFAULTS.get(code) or code)
