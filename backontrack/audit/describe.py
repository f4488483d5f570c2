"""The audit trail in words, in the reader's language: who did what, to which record, and
which fields — rendered when shown, since the events themselves are immutable and keep the
codes they were written with (older events included)."""

import re
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backontrack.accounts.models import AccountRequest, Role, SignInLink

from .models import AuditEvent, StatedReason

# Singular and plural names of the records the trail refers to.
RECORD_KINDS: dict[str, tuple[Promise, Promise]] = {
    "accounts.user": (gettext_lazy("user account"), gettext_lazy("user accounts")),
    "accounts.organisation": (gettext_lazy("organisation"), gettext_lazy("organisations")),
    "accounts.institution": (gettext_lazy("institution"), gettext_lazy("institutions")),
    "accounts.accountrequest": (
        gettext_lazy("account change request"),
        gettext_lazy("account change requests"),
    ),
    "accounts.signinlink": (gettext_lazy("sign-in link"), gettext_lazy("sign-in links")),
    "audit.auditevent": (gettext_lazy("audit event"), gettext_lazy("audit events")),
    "audit.chain": (gettext_lazy("audit chain"), gettext_lazy("audit chains")),
    "mentees.mentee": (gettext_lazy("person (mentee)"), gettext_lazy("people (mentees)")),
    "mentees.custodyevent": (gettext_lazy("custody event"), gettext_lazy("custody events")),
    "mentees.consent": (gettext_lazy("consent"), gettext_lazy("consents")),
    "referrals.referral": (gettext_lazy("referral"), gettext_lazy("referrals")),
    "referrals.screening": (gettext_lazy("screening"), gettext_lazy("screenings")),
    "mentors.mentor": (gettext_lazy("mentor"), gettext_lazy("mentors")),
    "mentors.screeningcheck": (gettext_lazy("screening check"), gettext_lazy("screening checks")),
    "mentors.conflictofinterest": (
        gettext_lazy("conflict of interest"),
        gettext_lazy("conflicts of interest"),
    ),
    "mentors.course": (gettext_lazy("course"), gettext_lazy("courses")),
    "mentors.coursesession": (gettext_lazy("course session"), gettext_lazy("course sessions")),
    "mentors.attendance": (gettext_lazy("attendance"), gettext_lazy("attendances")),
    "mentors.modulesignoff": (gettext_lazy("module sign-off"), gettext_lazy("module sign-offs")),
    "mentors.pooldraft": (
        gettext_lazy("pool-matching draft"),
        gettext_lazy("pool-matching drafts"),
    ),
    "mentors.draftproposal": (gettext_lazy("draft line"), gettext_lazy("draft lines")),
    "mentorships.mentorship": (gettext_lazy("mentorship"), gettext_lazy("mentorships")),
    "mentorships.meeting": (gettext_lazy("meeting"), gettext_lazy("meetings")),
    "mentorships.plan": (gettext_lazy("plan"), gettext_lazy("plans")),
    "mentorships.goal": (gettext_lazy("goal"), gettext_lazy("goals")),
    "mentorships.checkin": (gettext_lazy("check-in"), gettext_lazy("check-ins")),
    "mentorships.reentryplan": (gettext_lazy("re-entry plan"), gettext_lazy("re-entry plans")),
    "mentorships.reentryneed": (gettext_lazy("re-entry need"), gettext_lazy("re-entry needs")),
    "network.networkmember": (gettext_lazy("network member"), gettext_lazy("network members")),
    "network.involvement": (gettext_lazy("involvement"), gettext_lazy("involvements")),
    "lessons.lesson": (gettext_lazy("lesson learned"), gettext_lazy("lessons learned")),
    "lessons.tag": (gettext_lazy("lesson tag"), gettext_lazy("lesson tags")),
    "reviews.review": (gettext_lazy("progress review"), gettext_lazy("progress reviews")),
    "reviews.instrument": (gettext_lazy("review instrument"), gettext_lazy("review instruments")),
    "concerns.concern": (gettext_lazy("concern"), gettext_lazy("concerns")),
    "supervision.session": (
        gettext_lazy("supervision session"),
        gettext_lazy("supervision sessions"),
    ),
    "supervision.discussion": (
        gettext_lazy("mentorship discussed in supervision"),
        gettext_lazy("mentorships discussed in supervision"),
    ),
    "supervision.agreedaction": (
        gettext_lazy("action from supervision"),
        gettext_lazy("actions from supervision"),
    ),
    "disclosures.disclosure": (gettext_lazy("disclosure"), gettext_lazy("disclosures")),
    "evaluation.followup": (gettext_lazy("follow-up"), gettext_lazy("follow-ups")),
    "evaluation.indicator": (
        gettext_lazy("indicator of the theory of change"),
        gettext_lazy("indicators of the theory of change"),
    ),
    "workinggroup.workinggroup": (gettext_lazy("working group"), gettext_lazy("working groups")),
    "workinggroup.groupmeeting": (
        gettext_lazy("working-group meeting"),
        gettext_lazy("working-group meetings"),
    ),
    "workinggroup.agendaitem": (gettext_lazy("agenda item"), gettext_lazy("agenda items")),
    "workinggroup.groupaction": (
        gettext_lazy("working-group action"),
        gettext_lazy("working-group actions"),
    ),
    "api.apitoken": (gettext_lazy("API token"), gettext_lazy("API tokens")),
    "api.apiclient": (gettext_lazy("connected system"), gettext_lazy("connected systems")),
}

# Names the services give to what is not a model field.
PSEUDO_FIELDS: dict[str, Promise] = {
    "roles": gettext_lazy("roles"),
    "roles requested": gettext_lazy("roles asked for"),
    "email requested": gettext_lazy("new e-mail address asked for"),
    "authenticator": gettext_lazy("authenticator"),
    "recovery_codes": gettext_lazy("recovery codes"),
    "password": gettext_lazy("password"),
    "signin_link": gettext_lazy("sign-in link"),
    "signin_links": gettext_lazy("sign-in links"),
    "account_requests": gettext_lazy("account change requests"),
    "sign_in_block": gettext_lazy("sign-in block"),
    "alerts": gettext_lazy("alerts"),
    "timeline": gettext_lazy("timeline"),
    "history": gettext_lazy("history"),
    "name": gettext_lazy("name"),
    "last_meeting": gettext_lazy("last meeting"),
    "suggestions": gettext_lazy("suggestions"),
    "readiness": gettext_lazy("readiness"),
    "consents": gettext_lazy("consents"),
    "custody_events": gettext_lazy("custody events"),
    "contact_details": gettext_lazy("contact details"),
    "findings": gettext_lazy("findings"),
    "criteria": gettext_lazy("criteria"),
    "ratings": gettext_lazy("ratings"),
    "needs": gettext_lazy("needs"),
    "proposals": gettext_lazy("draft lines"),
    "attendance": gettext_lazy("attendance"),
    "evidence": gettext_lazy("evidence"),
    "mentorship": gettext_lazy("mentorship"),
    "proposed_mentor": gettext_lazy("proposed mentor"),
    "proposed_coach": gettext_lazy("proposed coach"),
    "module": gettext_lazy("module"),
    "consent": gettext_lazy("consent"),
    "member": gettext_lazy("network member"),
    "reason": gettext_lazy("reason"),
    "held_on": gettext_lazy("date"),
    "format": gettext_lazy("format"),
    "coach": gettext_lazy("coach"),
    "mentors": gettext_lazy("mentors"),
    "mentorships": gettext_lazy("mentorships"),
    "mentorships_discussed": gettext_lazy("mentorships discussed"),
    "facts": gettext_lazy("facts"),
    "guidance": gettext_lazy("guidance"),
    "wellbeing": gettext_lazy("wellbeing"),
    "caseload": gettext_lazy("caseload"),
    "hours": gettext_lazy("hours"),
    "actions": gettext_lazy("actions"),
    "confirmed_at": gettext_lazy("confirmation"),
    "last_contact": gettext_lazy("last contact"),
    "supervision_dates": gettext_lazy("supervision dates"),
    "coverage": gettext_lazy("coverage"),
    "wellbeing_alerts": gettext_lazy("wellbeing alerts"),
    "follow_ups_due": gettext_lazy("follow-ups due"),
    "dashboard": gettext_lazy("programme dashboard"),
    "report": gettext_lazy("programme report"),
    "tokens": gettext_lazy("tokens"),
    "read": gettext_lazy("whether the reader read it"),
    "through": gettext_lazy("through"),
}

# The fixed phrases older events carry before a record reference ("for mentorships.mentorship
# #4"), with their meaning in the reader's language.
DETAIL_PHRASES: dict[str, Promise] = {
    "for": gettext_lazy("for"),
    "of": gettext_lazy("of"),
    "in": gettext_lazy("in"),
    "on": gettext_lazy("on"),
    "from": gettext_lazy("from"),
    "timeline of": gettext_lazy("timeline of"),
    "network of": gettext_lazy("network of"),
    "plan of": gettext_lazy("plan of"),
    "accesses to": gettext_lazy("accesses to"),
    "suggestions for": gettext_lazy("suggestions for"),
    "line for": gettext_lazy("line for"),
    "session": gettext_lazy("session"),
    "course": gettext_lazy("course"),
    "to supervise": gettext_lazy("to supervise"),
    "to reallocate": gettext_lazy("to reallocate"),
    "to record involvement in": gettext_lazy("to record involvement in"),
    "reviews of": gettext_lazy("reviews of"),
    "with": gettext_lazy("with"),
    "by": gettext_lazy("by"),
    "agency joined": gettext_lazy("agency joined"),
    "agency left": gettext_lazy("agency left"),
}
# Recipients the services write as codes (a concern escalated to the working group).
RECIPIENTS: dict[str, Promise] = {"working_group": gettext_lazy("the working group")}
# Whole details the services and pages write, in the reader's language.
FIXED_DETAILS: dict[str, Promise] = {
    "home page": gettext_lazy("home page"),
    "mentorship list": gettext_lazy("list of mentorships"),
    "duplicate check": gettext_lazy("check for a duplicate"),
    "lesson name check": gettext_lazy("a lesson's check for names"),
    "session expired": gettext_lazy("the session expired"),
    "synthetic demo data": gettext_lazy("synthetic demo data"),
    "confirmed": gettext_lazy("confirmed"),
    "discarded": gettext_lazy("discarded"),
    "replaced by a new draft": gettext_lazy("replaced by a new draft"),
    "supervision form": gettext_lazy("supervision form"),
    "programme report": gettext_lazy("programme report"),
    "indicator name check": gettext_lazy("an indicator's check for names"),
    "revoked": gettext_lazy("revoked"),
    "rotated": gettext_lazy("secret rotated"),
    "register event": gettext_lazy("a custody event sent by the prison register"),
    "register import": gettext_lazy("the prison register's import"),
}
# Why the API refused a bearer secret ("api_bearer:<reason>", ":throttled" when the address
# is held back from then on).
BEARER_REFUSALS: dict[str, Promise] = {
    "unknown": gettext_lazy("no such token"),
    "secret": gettext_lazy("wrong secret"),
    "revoked": gettext_lazy("the token is revoked"),
    "expired": gettext_lazy("the token has expired"),
    "inactive": gettext_lazy("the account is deactivated"),
    "suspended": gettext_lazy("the system is suspended"),
}
# Details with numbers in them: the pattern written, and the same in the reader's language.
COUNTED_DETAILS: list[tuple[re.Pattern[str], Promise]] = [
    (
        re.compile(r"^(?P<matched>\d+) of (?P<total>\d+) referrals matched$"),
        gettext_lazy("%(matched)s of %(total)s referrals matched"),
    ),
    (
        re.compile(
            r"^(?P<alerts>\d+) alerts in (?P<mails>\d+) e-mails; (?P<phases>\d+) phases moved$"
        ),
        gettext_lazy("%(alerts)s alerts in %(mails)s e-mails; %(phases)s phases moved"),
    ),
    (
        re.compile(r"^closed more than (?P<days>\d+) days ago$"),
        gettext_lazy("closed more than %(days)s days ago"),
    ),
    (
        re.compile(r"^re-encrypted under key (?P<key>\S+)$"),
        gettext_lazy("re-encrypted under key %(key)s"),
    ),
    (
        re.compile(r"^csv:(?P<count>\d+)$"),
        gettext_lazy("exported as CSV: %(count)s events"),
    ),
    (
        re.compile(
            r"^session mentors\.coursesession #(?P<id>\d+): "
            r"(?P<present>\d+) present, (?P<removed>\d+) removed$"
        ),
        gettext_lazy("course session #%(id)s: %(present)s present, %(removed)s removed"),
    ),
    (
        re.compile(
            r"^register import: (?P<rows>\d+) rows, (?P<people>\d+) people and "
            r"(?P<events>\d+) events$"
        ),
        gettext_lazy(
            "the prison register's import: %(rows)s rows, %(people)s people and %(events)s "
            "custody events added"
        ),
    ),
    (
        re.compile(r"^register import, line (?P<line>\d+)$"),
        gettext_lazy("the prison register's import, line %(line)s"),
    ),
    (
        re.compile(r"^(?P<alerts>\d+) alerts in (?P<mails>\d+) e-mails$"),
        gettext_lazy("%(alerts)s alerts in %(mails)s e-mails"),
    ),
]
# Pages that wrote "mentorship #4" before they wrote the record's type in full.
SHORT_MENTORSHIP = re.compile(r"^(?:(network of|reviews of) )?mentorship #(\d+)$")
# A status or phase move ("proposed -> active", "active -> closed (completed)"), and the
# hand-over of a mentorship from one mentor or coach to another.
MOVE = re.compile(r"^([a-z_]+) -> ([a-z_]+)(?: \(([a-z_]+)\))?$")
HANDOVER = re.compile(r"^mentors\.mentor #(\d+) -> #(\d+)(?: \(([a-z_]+)\))?$")
RELATIONS: dict[str, Promise] = {
    "coordinator": gettext_lazy("programme coordinator"),
    "mentor": gettext_lazy("assigned mentor"),
    "coach": gettext_lazy("supervising coach"),
    "referrer": gettext_lazy("referred the person"),
    "auditor": gettext_lazy("data-protection audit"),
    "recipient": gettext_lazy("liaison of the recipient agency"),
}
# What the person was doing on the pages that show people.
PAGES: dict[str, Promise] = {
    "home": gettext_lazy("home page"),
    "mentee_list": gettext_lazy("register"),
    "mentee_detail": gettext_lazy("register entry"),
    "mentee_edit": gettext_lazy("editing the register entry"),
    "custody_event_create": gettext_lazy("recording a custody event"),
    "consent_create": gettext_lazy("recording consent"),
    "consent_withdraw": gettext_lazy("withdrawing consent"),
    "referral_inbox": gettext_lazy("referral inbox"),
    "my_referrals": gettext_lazy("own referrals"),
    "referral_create": gettext_lazy("referring"),
    "referral_detail": gettext_lazy("referral"),
    "referral_screen": gettext_lazy("screening"),
    "referral_accept": gettext_lazy("acceptance"),
    "referral_move": gettext_lazy("moving a referral"),
    "referral_match": gettext_lazy("matching"),
    "pool_overview": gettext_lazy("pool matching"),
    "pool_draft": gettext_lazy("pool-matching draft"),
    "pool_proposal_edit": gettext_lazy("pool-matching draft"),
    "mentor_detail": gettext_lazy("mentor's profile"),
    "conflict_create": gettext_lazy("recording a conflict of interest"),
    "mentorship_list": gettext_lazy("mentorships"),
    "mentorship_detail": gettext_lazy("mentorship"),
    "mentorship_timeline": gettext_lazy("timeline"),
    "mentorship_activate": gettext_lazy("activation"),
    "mentorship_move": gettext_lazy("pause or resume"),
    "mentorship_phase": gettext_lazy("phase"),
    "mentorship_reallocate": gettext_lazy("reallocation"),
    "mentorship_coach": gettext_lazy("change of coach"),
    "mentorship_close": gettext_lazy("closure"),
    "check_in_create": gettext_lazy("check-in"),
    "plan_edit": gettext_lazy("plan"),
    "goal_create": gettext_lazy("new goal"),
    "goal_edit": gettext_lazy("goal"),
    "meeting_create": gettext_lazy("recording a meeting"),
    "meeting_edit": gettext_lazy("editing a meeting"),
    "network": gettext_lazy("family and network"),
    "disclosure_list": gettext_lazy("disclosures"),
    "disclosure_detail": gettext_lazy("disclosure"),
    "disclosure_decide": gettext_lazy("deciding on a disclosure"),
    "disclosure_revoke": gettext_lazy("revoking a disclosure"),
    "disclosure_withdraw": gettext_lazy("withdrawing a proposed disclosure"),
    "disclosure_inbox": gettext_lazy("disclosures to the agency"),
    "disclosure_received": gettext_lazy("a disclosure to the agency"),
    "mentee_disclosures": gettext_lazy("disclosures about the person"),
    "disclosure_propose": gettext_lazy("proposing a disclosure"),
    "network_member_create": gettext_lazy("adding to the network"),
    "network_member_edit": gettext_lazy("network member"),
    "network_member_withdraw": gettext_lazy("consent withdrawal"),
    "involvement_create": gettext_lazy("recording involvement"),
    "reentry": gettext_lazy("re-entry plan"),
    "reentry_release": gettext_lazy("release date"),
    "reentry_need_edit": gettext_lazy("re-entry need"),
    "reviews": gettext_lazy("progress reviews"),
    "review_create": gettext_lazy("progress review"),
    "lesson_list": gettext_lazy("lessons learned"),
    "lesson_create": gettext_lazy("proposing a lesson"),
    "lesson_detail": gettext_lazy("lesson learned"),
    "lesson_edit": gettext_lazy("changing a lesson"),
    "lesson_move": gettext_lazy("deciding on a lesson"),
    "lesson_adopted": gettext_lazy("adopted lessons"),
    "audit_person": gettext_lazy("who looked at this person"),
    "audit_person_lookup": gettext_lazy("who looked at this person"),
    "supervision_list": gettext_lazy("supervision sessions"),
    "supervision_create": gettext_lazy("recording a supervision session"),
    "supervision_detail": gettext_lazy("supervision session"),
    "supervision_correct": gettext_lazy("correcting a supervision session"),
    "supervision_confirm": gettext_lazy("confirming a supervision session"),
    "supervision_action_done": gettext_lazy("finishing an action from supervision"),
    "supervision_wellbeing": gettext_lazy("wellbeing over time"),
    "supervision_overview": gettext_lazy("supervision of the mentors"),
    "wg_meeting_list": gettext_lazy("working-group meetings"),
    "wg_meeting_plan": gettext_lazy("planning a working-group meeting"),
    "wg_meeting_detail": gettext_lazy("working-group meeting"),
    "wg_agenda_refresh": gettext_lazy("the agenda of a working-group meeting"),
    "wg_matter_add": gettext_lazy("adding a programme matter"),
    "wg_minutes_approve": gettext_lazy("approving minutes"),
    "wg_item_minutes": gettext_lazy("writing minutes"),
    "wg_action_add": gettext_lazy("agreeing an action"),
    "wg_action_move": gettext_lazy("a working-group action"),
    "wg_group_list": gettext_lazy("working groups"),
    "wg_group_create": gettext_lazy("setting up a working group"),
    "wg_group_detail": gettext_lazy("working group"),
    "wg_group_edit": gettext_lazy("editing a working group"),
    "wg_agency_add": gettext_lazy("adding an agency to a working group"),
    "wg_agency_remove": gettext_lazy("taking an agency off a working group"),
    "wg_member_add": gettext_lazy("adding a member to a working group"),
    "wg_member_remove": gettext_lazy("taking a member off a working group"),
}
REFERENCE = re.compile(r"\b([a-z]+\.[a-z]+) #(\d+)")


@dataclass(frozen=True)
class DescribedEvent:
    event: AuditEvent
    roles: str
    action: str
    record: str
    record_url: str
    shown: str
    fields: str
    detail: str
    purpose: str
    recipient: str
    # A call of the API, and the key id of the token it came with (none when refused).
    through_api: bool = False
    via_token: str = ""


def kind_label(object_type: str, count: int = 1) -> str:
    if object_type in RECORD_KINDS:
        singular, plural = RECORD_KINDS[object_type]
        return str(singular if count == 1 else plural)
    return object_type


def record_url(object_type: str, object_id: str) -> str:
    """Where the auditor reads more about a record: a person's accesses, or the trail's
    events about any other record (the auditor opens no case page)."""
    if object_type == "mentees.mentee" and object_id.isdigit():
        return reverse("audit_person", args=[int(object_id)])
    query = urlencode({"object_type": object_type, "object_id": object_id})
    return f"{reverse('audit_log')}?{query}"


def field_label(object_type: str, name: str) -> str:
    if name in PSEUDO_FIELDS:
        return str(PSEUDO_FIELDS[name])
    try:
        model = apps.get_model(object_type)
        return str(model._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
        return name.replace("_", " ")


def purpose(justification: str) -> str:
    """A routine look's purpose, written as a code ("purpose:<relation>:<page>"), in words;
    a stated one ("stated:<reason>:<details>") as its reason in words and the person's own
    words; a purpose typed in full (an export's), as typed."""
    code, _sep, rest = justification.partition(":")
    if code == "stated":
        reason, _sep, details = rest.partition(":")
        label = str(StatedReason(reason).label) if reason in StatedReason.values else reason
        return f"{label}: {details}" if details else label
    if code != "purpose":
        return justification
    relation, _sep, page = rest.partition(":")
    through_api = page.startswith("api:")
    page = page.removeprefix("api:")
    words = [str(RELATIONS[relation]) if relation in RELATIONS else ""]
    words.append(str(PAGES[page]) if page in PAGES else page.replace("_", " "))
    if through_api:
        words.append(_("through the API"))
    return ", ".join(word for word in words if word)


def _reference_in_words(match: re.Match[str]) -> str:
    return f"{kind_label(match.group(1))} #{match.group(2)}"


def _code_label(object_type: str, code: str) -> str:
    """A status, phase or other choice of the record's type, by its label."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return code
    for model_field in model._meta.get_fields():
        labels = dict(getattr(model_field, "flatchoices", None) or [])
        if code in labels:
            return str(labels[code])
    return code


def _reallocation_label(code: str) -> str:
    from backontrack.mentorships.models import ReallocationReason

    return str(ReallocationReason(code).label) if code in ReallocationReason.values else code


def _move(event: AuditEvent, match: re.Match[str]) -> str:
    before, after, why = match.groups()
    words = f"{_code_label(event.object_type, before)} → {_code_label(event.object_type, after)}"
    if why:
        words += f" ({_code_label(event.object_type, why)})"
    return words


def _handover(match: re.Match[str]) -> str:
    before, after, why = match.groups()
    mentor = kind_label("mentors.mentor")
    words = f"{mentor} #{before} → #{after}"
    return f"{words} ({_reallocation_label(why)})" if why else words


def _references(references: str) -> str:
    """Record references in words, joined in the reader's language."""
    conjunction = _("and")
    words, end = [], 0
    for match in REFERENCE.finditer(references):
        between = references[end : match.start()].strip()
        if between == "and":
            words.append(conjunction)
        elif between:
            words.append(str(DETAIL_PHRASES.get(between, between)))
        words.append(_reference_in_words(match))
        end = match.end()
    return " ".join([*words, references[end:].strip()]).strip()


def _detail(event: AuditEvent) -> str:
    """Codes written by the account services, then the fixed phrases of older events with
    their record references in words; anything else as it was written."""
    detail = event.detail
    if not detail:
        return ""
    code, _sep, rest = detail.partition(":")
    if code == "signin_link" and rest:
        purpose, _sep, used = rest.partition(":")
        label = dict(SignInLink.Purpose.choices).get(purpose, purpose)
        return _("sign-in link used: %(purpose)s") % {"purpose": label} if used else str(label)
    if code in AccountRequest.Kind.values:
        label = dict(AccountRequest.Kind.choices)[code]
        if rest in Role.values:
            return f"{label}: {Role(rest).label}"
        if rest in AccountRequest.Status.values:
            return f"{label}: {AccountRequest.Status(rest).label}"
        return str(label)
    if code == "account_request":
        return _("account change request #%(id)s") % {"id": rest}
    if code == "api_bearer":
        reason, _sep, throttled = rest.partition(":")
        if reason == "throttled":
            return _("bearer secrets from this address held back")
        words = _("bearer secret refused: %(reason)s") % {
            "reason": BEARER_REFUSALS.get(reason, reason)
        }
        if throttled:
            words += "; " + _("the address is held back for a while")
        return words
    if detail == "verified":
        return _("verified the chain")
    if detail == "password":
        return _("wrong password")
    if detail == "deactivated":
        return _("account deactivated")
    if detail in FIXED_DETAILS:
        return str(FIXED_DETAILS[detail])
    for pattern, in_words in COUNTED_DETAILS:
        if counted := pattern.match(detail):
            return str(in_words) % counted.groupdict()
    if move := MOVE.match(detail):
        return _move(event, move)
    if handover := HANDOVER.match(detail):
        return _handover(handover)
    if short := SHORT_MENTORSHIP.match(detail):
        before = str(DETAIL_PHRASES[short.group(1)]) if short.group(1) else ""
        return f"{before} {kind_label('mentorships.mentorship')} #{short.group(2)}".strip()
    match = REFERENCE.search(detail)
    if match:
        phrase = detail[: match.start()].strip()
        if phrase in DETAIL_PHRASES or not phrase:
            words = str(DETAIL_PHRASES.get(phrase, ""))
            return f"{words} {_references(detail[match.start() :])}".strip()
    return detail


def describe(event: AuditEvent) -> DescribedEvent:
    roles = ", ".join(
        str(Role(role).label) for role in event.actor_roles.split(",") if role in Role.values
    )
    shown = ""
    if event.object_ids:
        count = len(event.object_ids)
        shown = _("%(count)s %(kind)s shown") % {
            "count": count,
            "kind": kind_label(event.object_type, count),
        }
    record = ""
    url = ""
    if event.object_type:
        record = kind_label(event.object_type)
        if event.object_id:
            record = f"{record} #{event.object_id}"
            url = record_url(event.object_type, event.object_id)
    return DescribedEvent(
        event=event,
        roles=roles,
        action=str(event.get_action_display()),
        record=record,
        record_url=url,
        shown=shown,
        fields=", ".join(field_label(event.object_type, name) for name in event.fields),
        detail=_detail(event),
        purpose=purpose(event.justification),
        recipient=str(RECIPIENTS.get(event.recipient, event.recipient)),
        through_api=event.via.startswith("api:"),
        via_token=event.via_token,
    )
