"""History lines written before the system kept codes: where the English or Danish wording
is recognisable, it becomes its code and parameters, so it is shown in the reader's
language; anything else stays as it was written (and is shown so)."""

import re

from django.db import migrations

# The choice labels as they were written, in English and Danish, with their codes.
LABELS = {
    "area": {
        "Everyday life and conflicts": "everyday",
        "Familie og netværk": "family",
        "Family and network": "family",
        "Hverdagsliv og konflikter": "everyday",
        "Motivation for a crime-free life": "motivation",
        "Motivation for et liv uden kriminalitet": "motivation",
        "New relations outside criminal and extremist circles": "relations",
        "Nye relationer uden for kriminelle og ekstremistiske miljøer": "relations",
        "Re-entry: housing, education, work": "re_entry",
        "Udslusning: bolig, uddannelse, beskæftigelse": "re_entry",
    },
    "closure": {
        "Afbrudt før tid": "ended_early",
        "Annulleret, før det begyndte": "cancelled",
        "Cancelled before it started": "cancelled",
        "Completed": "completed",
        "Ended early": "ended_early",
        "Gennemført": "completed",
    },
    "domain": {
        "Beskæftigelse": "employment",
        "Bolig": "housing",
        "Education": "education",
        "Employment": "employment",
        "Familie": "family",
        "Family": "family",
        "Finances and ID": "finances",
        "Health and treatment": "health",
        "Housing": "housing",
        "Social relations and leisure": "social",
        "Sociale relationer og fritid": "social",
        "Sundhed og behandling": "health",
        "Uddannelse": "education",
        "Økonomi og ID": "finances",
    },
    "event": {
        "Acquitted": "acquittal",
        "Admitted (remand)": "admission",
        "Dømt": "sentencing",
        "Frifundet": "acquittal",
        "Genindsat": "recall",
        "Indsat (varetægt)": "admission",
        "Løsladt": "release",
        "Overført": "transfer",
        "Prøveløsladt": "release_on_licence",
        "Recalled to custody": "recall",
        "Released": "release",
        "Released on licence": "release_on_licence",
        "Sentenced": "sentencing",
        "Transferred": "transfer",
    },
    "status": {
        "Afslået af mentee": "declined",
        "Declined by the mentee": "declined",
        "I gang": "in_progress",
        "Ikke nødvendigt": "not_needed",
        "Ikke startet": "not_started",
        "In progress": "in_progress",
        "Not needed": "not_needed",
        "Not started": "not_started",
        "Secured": "secured",
        "Sikret": "secured",
    },
    "why": {
        "Andet": "other",
        "Conflict between mentor and mentee": "conflict",
        "Konflikt mellem mentor og mentee": "conflict",
        "Menteen bad om en anden mentor": "mentee_request",
        "Mentoren stoppede eller holder pause": "mentor_left",
        "Other": "other",
        "Overførsel til en fjern institution": "transfer",
        "The mentee asked for another mentor": "mentee_request",
        "The mentor left or paused": "mentor_left",
        "Transfer to a distant institution": "transfer",
    },
}

TO_VALUES = {
    "Custody constraints updated": "constraints_updated",
    "Rammerne under frihedsberøvelsen er opdateret": "constraints_updated",
    "Re-entry plan made": "reentry_plan_made",
    "Udslusningsplan oprettet": "reentry_plan_made",
}
RELEASE_DATE = re.compile(r"^(?:Release date|Løsladelsesdato): (\d{4}-\d{2}-\d{2})$")
NEED = re.compile(r"^(.+): (.+)$")
STARTED = {"Started from the custody status.", "Fastsat ud fra frihedsberøvelsen."}
CUSTODY_EVENT = re.compile(
    r"^(?:Custody event: (.+) on|Hændelse under frihedsberøvelsen: (.+) den) "
    r"(\d{4}-\d{2}-\d{2})\.$"
)
RELEASE_WINDOW = re.compile(
    r"^(?:The expected release is within|Den forventede løsladelse er inden for) (\d+) "
    r"(?:days|dage)\.$"
)
NEW_GOAL = re.compile(r"^(?:New goal|Nyt mål): (.+)$")
WAS = re.compile(r"^(?:Was|Var) (\d{4}-\d{2}-\d{2}|—)\.$")
FROM_RECORD = re.compile(
    r"^(?:From the person's record; was|Fra personens registrering; var) "
    r"(\d{4}-\d{2}-\d{2}|—)\.$"
)


def _date(value: str) -> str:
    return "" if value == "—" else value


def _labelled_prefix(text: str, labels: dict[str, str], separator: str) -> tuple[str, str] | None:
    """("code", rest) when `text` starts with one of the labels and the separator."""
    for label, code in sorted(labels.items(), key=lambda item: -len(item[0])):
        if text == label or text == label + separator.strip():
            return code, ""
        if text.startswith(label + separator):
            return code, text[len(label + separator) :].strip()
    return None


def _to_value(change) -> bool:
    if change.kind not in ("plan", "reentry"):
        return False
    if change.to_value in TO_VALUES:
        change.to_value = TO_VALUES[change.to_value]
        return True
    if match := RELEASE_DATE.match(change.to_value):
        change.to_value = "release_date"
        change.params = {**change.params, "date": match.group(1)}
        return True
    if (match := NEED.match(change.to_value)) and match.group(1) in LABELS["domain"]:
        status = LABELS["status"].get(match.group(2))
        if status:
            change.to_value = "need_status"
            change.params = {"domain": LABELS["domain"][match.group(1)], "status": status}
            return True
    return False


def _reason(change) -> bool:
    reason = change.reason or ""
    if not reason:
        return False
    code, params, typed = "", {}, ""
    if change.kind == "phase":
        if reason in STARTED:
            code = "custody_status"
        elif (match := CUSTODY_EVENT.match(reason)) and (
            event := LABELS["event"].get(match.group(1) or match.group(2))
        ):
            code, params = "custody_event", {"event": event, "date": match.group(3)}
        elif match := RELEASE_WINDOW.match(reason):
            code, params = "release_window", {"days": int(match.group(1))}
    elif change.kind == "goal":
        if (match := NEW_GOAL.match(reason)) and match.group(1) in LABELS["area"]:
            code, params = "new_goal", {"area": LABELS["area"][match.group(1)]}
        elif found := _labelled_prefix(reason, LABELS["area"], ": "):
            code, params, typed = "goal_area", {"area": found[0]}, found[1]
    elif change.kind == "reentry":
        if match := WAS.match(reason):
            code, params = "release_was", {"was": _date(match.group(1))}
        elif match := FROM_RECORD.match(reason):
            code, params = "release_from_record", {"was": _date(match.group(1))}
    elif change.kind == "mentor":
        if found := _labelled_prefix(reason, LABELS["why"], ". "):
            code, params, typed = "reallocated", {"why": found[0]}, found[1]
    elif change.kind == "status" and change.to_value == "closed":
        found = _labelled_prefix(reason, LABELS["closure"], ". ")
        code, params, typed = ("closed", {"closure": found[0]}, found[1]) if found else ("", {}, "")
    if not code:
        return False
    change.reason_code = code
    change.params = {**change.params, **params}
    change.reason = typed
    return True


def forwards(apps, schema_editor):
    MentorshipChange = apps.get_model("mentorships", "MentorshipChange")
    for change in MentorshipChange.objects.exclude(kind="coach").iterator():
        changed_to = _to_value(change)
        changed_reason = _reason(change)
        if changed_to or changed_reason:
            change.save(update_fields=["to_value", "reason_code", "params", "reason"])


class Migration(migrations.Migration):
    dependencies = [("mentorships", "0008_generated_text_as_codes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
