"""The API's documentation page, made on the server from the OpenAPI description: the calls,
what each needs and gives, in the reader's language (no script, no CDN)."""

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .v1 import api

# What each call does, in words for the reader (the OpenAPI description's are English).
SAYS: dict[str, Promise] = {
    "api_mentee_list": _("The register of mentees, a page at a time; q searches by name."),
    "api_mentee_create": _("Register a person, as the register's form does."),
    "api_mentee_detail": _("A person's record, with its ETag."),
    "api_mentee_edit": _("Change a person's record: send the ETag you read in If-Match."),
    "api_custody_event_create": _("Record a custody event of a person in the register."),
    "api_register_event": _(
        "The prison register sends a custody event, keyed by its ids; sent again, it is "
        "not recorded twice."
    ),
    "api_register_import": _("Import the register's CSV export: all rows, or none."),
    "api_mentorship_list": _("The open mentorships you see."),
    "api_mentorship_detail": _("A mentorship and its mentee."),
    "api_meeting_list": _("A mentorship's meetings, newest first."),
    "api_plan": _("A mentorship's plan and goals."),
    "api_referral_create": _("Submit a referral, as the referral form does."),
    "api_referral_status": _("A referral's status."),
    "api_disclosure_inbox": _("The disclosures released to your agency."),
    "api_figures": _("The dashboard's figures of a programme and period."),
}


@dataclass
class Call:
    method: str
    path: str
    says: Promise | str
    parameters: list[dict[str, Any]]
    body: str
    answers: list[str]


def calls() -> list[Call]:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            found.append(
                Call(
                    method=method.upper(),
                    path=path,
                    says=SAYS.get(_url_name(operation), operation.get("summary", "")),
                    parameters=[
                        {"name": p["name"], "in": p["in"], "required": p.get("required", False)}
                        for p in operation.get("parameters", [])
                    ],
                    body=", ".join(content),
                    answers=sorted(operation.get("responses", {})),
                )
            )
    return found


def _url_name(operation: dict[str, Any]) -> str:
    # The operation id ends with the view function's name, which is the URL name's stem.
    return "api_" + operation.get("operationId", "").rsplit("_v1_", 1)[-1]
