"""Every URL, for every persona: who gets the page, who gets 404, who is sent to sign in,
that every page it gets filed a read under each person it shows, and that the page, read in
Danish, has no English on it (tests/danish.py). Each record is tried in
three relations: the persona's own (the mentor's mentorship, the referrer's referral),
another's in the same programme (another mentor's), and another programme's (the special
scheme's coordinator on Back on Track's records; every persona once the records are moved to
a programme nobody takes part in).

A new URL pattern that is not listed here fails `test_every_url_is_in_the_matrix`.
"""

import re
import time
from functools import cache
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.html import escape

from backontrack.accounts.models import AccountRequest, Institution, Organisation, User
from backontrack.accounts.step_up import SteppedUp
from backontrack.api.models import ApiClient
from backontrack.audit import purposes
from backontrack.audit.models import Action, AuditEventSubject
from backontrack.concerns.models import Concern
from backontrack.demo.loader import PERSONAS
from backontrack.disclosures.models import Disclosure
from backontrack.evaluation.models import Indicator
from backontrack.lessons.models import Lesson
from backontrack.mentees.models import Consent, Mentee
from backontrack.mentors.models import Course, CourseSession, DraftProposal, Mentor, PoolDraft
from backontrack.mentorships.models import Goal, Meeting, Mentorship, ReentryNeed
from backontrack.network.models import NetworkMember
from backontrack.programmes.models import Programme
from backontrack.referrals.models import Referral
from backontrack.supervision.models import AgreedAction, Session
from backontrack.workinggroup.models import AgendaItem, GroupAction, GroupMeeting, WorkingGroup

from .conftest import PERSONA_NAMES, signed_in_client
from .danish import english_on, visible_text

pytestmark = [pytest.mark.django_db, pytest.mark.every_page]

EVERYONE = "everyone"
ADMIN_ONLY = "admin only"
AUDITOR_ONLY = "auditor only"
COORDINATOR_ONLY = "coordinator only"
REFERRER_OR_COORDINATOR = "referrer or coordinator"
PUBLIC = "public"
PENDING_SIGNIN = "pending sign-in"
# Only with a valid one-time link from the person's e-mail: an unknown one is not found.
LINK_HOLDER = "the holder of a sign-in link"
APPROVERS = "coordinator or admin"
POST_ONLY = "post only"
TRAINER_ONLY = "trainer only"
COORDINATOR_OR_TRAINER = "coordinator or trainer"
# The profile used below is mentor05's: they see it, other mentors do not.
PROFILE_READERS = "coordinator, trainer or the mentor"
PROFILE_EDITORS = "coordinator or the mentor"
MENTORS_REDIRECTED = "each mentor to their own profile"
MENTORS_AND_COORDINATOR = "coordinator and every mentor"
# The demo's active mentorship: the coordinator, its mentor and its coach.
ITS_PEOPLE = "coordinator, the mentor and the coach"
ITS_RECORDERS = "coordinator and the mentor"
# Back on Track's pages for its coordinators: the special scheme's coordinator gets 404.
ITS_COORDINATOR = "the programme's coordinator"
ADMIN_OR_ITS_COORDINATOR = "admin or the programme's coordinator"
ADMIN_OR_COORDINATORS = "admin or any coordinator"
# The demo's untriaged concern on the active mentorship was raised by its mentor, mentor03.
CONCERN_RAISER = "whoever raised the concern"
# Supervision: the demo's first session of Aisha Karimi (mentor02, coach) with Jonas
# Mikkelsen (mentor03) alone, and Omar Haddad (mentor05), whom mentor01 (his proposed
# mentorship) and mentor02 (his active one) supervise: his wellbeing, a session with him.
EVERY_MENTOR = "every mentor"
COACHES = "the coaches of open mentorships"
SESSION_PEOPLE = "the session's coach and mentor"
SESSION_COACH = "the session's coach"
WELLBEING_READERS = "the mentor and their coaches"
# A proposal coordinator made: only another coordinator of the programme decides it.
SECOND_COORDINATOR = "a second coordinator of the programme"
LIAISONS = "every liaison"
# The demo disclosure went to the security service.
ITS_RECIPIENT = "the recipient agency's liaison"
COORDINATOR_OR_AUDITOR = "coordinator or auditor"
REPORT_READERS = "coordinators, the evaluator and liaisons"
# The working group: its programme's coordinators and its member agencies' liaisons; the
# chair of the meeting (coordinator), who approves the minutes coordinator2 wrote; the owner
# of the action (the security service).
GROUP_MEMBERS = "the programme's coordinators and the group's liaisons"
CHAIR = "the meeting's chair"
# The demo's proposal waiting for a decision was made by coordinator: only they withdraw it.
PROPOSER = "the proposer"
ACTION_OWNERS = "coordinator and the owning agency's liaison"
# The API's calls: a bearer token signs them in, never the session (see API_MIRRORS below).
BEARER_TOKEN = "a bearer token"


# The demo rows are loaded once per session and every test here rolls back, so their ids
# hold for the whole session: looked up once, not in each of the ~2,500 tests.
@cache
def _ids() -> dict[str, str]:
    return {
        "user": str(User.objects.get(username="mentor05").pk),
        "organisation": str(Organisation.objects.first().pk),  # type: ignore[union-attr]
        "institution": str(Institution.objects.first().pk),  # type: ignore[union-attr]
        "mentee": str(Mentee.objects.first().pk),  # type: ignore[union-attr]
        # Referrals made by the demo referrer: one received, one in screening, one eligible.
        "referral": _referral("received"),
        "screening": _referral("screening"),
        "eligible": _referral("eligible"),
        "consent": str(Consent.objects.filter(withdrawn_on__isnull=True).first().pk),  # type: ignore[union-attr]
        "mentor": str(Mentor.objects.get(user__username="mentor05").pk),
        "course": str(Course.objects.order_by("id").first().pk),  # type: ignore[union-attr]
        "session": str(CourseSession.objects.order_by("starts_at").first().pk),  # type: ignore[union-attr]
        "accepted": _referral("accepted"),
        "draft": str(PoolDraft.objects.get(state="open").pk),
        "proposal": str(DraftProposal.objects.filter(draft__state="open").first().pk),  # type: ignore[union-attr]
        "active": str(_mentorship("active").pk),
        "proposed": str(_mentorship("proposed").pk),
        "closed": str(_mentorship("closed").pk),
        "goal": str(Goal.objects.filter(mentorship=_mentorship("active")).first().pk),  # type: ignore[union-attr]
        "meeting": str(Meeting.objects.filter(mentorship=_mentorship("active")).first().pk),  # type: ignore[union-attr]
        "member": str(
            NetworkMember.objects.filter(
                mentee_id=_mentorship("active").mentee_id, consent_withdrawn_on__isnull=True
            )
            .first()
            .pk  # type: ignore[union-attr]
        ),
        "need": str(
            ReentryNeed.objects.filter(plan__mentorship=_mentorship("active")).first().pk  # type: ignore[union-attr]
        ),
        "token": "AAAAnot-a-real-sign-in-link-token",
        "client": str(ApiClient.objects.order_by("id").first().pk),  # type: ignore[union-attr]
        "programme": str(Programme.objects.default().pk),
        "programme_membership": str(
            Programme.objects.default().memberships.filter(role="mentor").first().pk  # type: ignore[union-attr]
        ),
        "account_request": str(AccountRequest.objects.get(user__username="mentor03").pk),
        "consent_mentee": str(
            Consent.objects.filter(withdrawn_on__isnull=True).first().mentee_id  # type: ignore[union-attr]
        ),
        # The demo's concerns on the active mentorship: one its mentor raised, untriaged,
        # and one the coordinator triaged (docs/guide/demo.md).
        "concern": _concern("raised"),
        "concern_triaged": _concern("triaged"),
        # The demo's lesson that mentor07 proposed and may still change.
        "lesson": str(Lesson.objects.get(author__username="mentor07", status="proposed").pk),
        "supervision": str(_first_session().pk),
        "supervision_action": str(
            AgreedAction.objects.filter(participant__session=_first_session()).earliest("id").pk
        ),
        # The demo's disclosure to the security service that its liaison has read, and the
        # proposal coordinator made that waits for coordinator2 (docs/guide/demo.md).
        "disclosure": str(
            Disclosure.objects.filter(status="approved", reads__isnull=False).first().pk  # type: ignore[union-attr]
        ),
        "proposed_disclosure": str(Disclosure.objects.get(status="proposed").pk),
        # The demo's first indicator of Back on Track's theory of change.
        "indicator": str(
            Indicator.objects.filter(programme=Programme.objects.default()).earliest("id").pk
        ),
        # The demo's working group, its meeting of last week (held, the minutes waiting for
        # their chair, coordinator), the escalated case on its agenda (disclosed to the
        # security service) and the security service's action on it.
        "wg_group": str(WorkingGroup.objects.get().pk),
        "wg_meeting": str(_last_weeks_meeting().pk),
        "wg_item": str(AgendaItem.objects.get(meeting=_last_weeks_meeting(), kind="case").pk),
        "wg_action": str(
            GroupAction.objects.get(owner_agency__kind=Organisation.Kind.SECURITY_SERVICE).pk
        ),
        # The group's member agency the ministry, and its liaison, a member of the group.
        "wg_agency": str(Organisation.objects.get(kind=Organisation.Kind.MINISTRY).pk),
        "wg_member": str(User.objects.get(username="liaison-ministry").pk),
    }


def _last_weeks_meeting() -> GroupMeeting:
    return GroupMeeting.objects.get(
        minutes_approved_at__isnull=True, held_on__lt=timezone.localdate()
    )


def _concern(status: str) -> str:
    concern = (
        Concern.objects.filter(mentorship=_mentorship("active"), status=status)
        .order_by("id")
        .first()
    )
    assert concern is not None
    return str(concern.pk)


def _first_session() -> Session:
    return Session.objects.filter(
        coach__user__username="mentor02", participants__mentor__user__username="mentor03"
    ).earliest("held_on", "id")


def purposes_stated(ids: dict[str, str]) -> dict[str, Any]:
    """What a session holds once its person said why they open the records that ask (a
    person's access history): the matrix checks who may open them, not the question before
    them. Passed to `signed_in_client`, which writes it with the sign-in's session."""
    return {
        purposes.SESSION_KEY: {
            f"mentee:{ids['mentee']}": ["stated:quality:", time.time() + purposes.LIFETIME_SECONDS]
        }
    }


def _mentorship(status: str) -> Mentorship:
    mentorship = Mentorship.objects.filter(status=status).order_by("id").first()
    assert mentorship is not None
    return mentorship


@cache
def _people(*, coach: bool) -> set[str]:
    mentorship = Mentorship.objects.select_related("mentor__user", "coach__user").get(
        pk=_mentorship("active").pk
    )
    people = {"coordinator", mentorship.mentor.user.username}  # type: ignore[union-attr]
    if coach:
        people.add(mentorship.coach.user.username)  # type: ignore[union-attr]
    return people


def _referral(status: str) -> str:
    referral = (
        Referral.objects.filter(status=status, referred_by__username="referrer")
        .order_by("id")
        .first()
    )
    assert referral is not None
    return str(referral.pk)


# url name -> (path template, who may GET it)
MATRIX: dict[str, tuple[str, str]] = {
    "healthz": ("/healthz", PUBLIC),
    "signin": ("/signin/", PUBLIC),
    "set_language": ("/i18n/setlang/", PUBLIC),
    "signin_code": ("/signin/code/", PENDING_SIGNIN),
    "signin_enrol": ("/signin/enrol/", PENDING_SIGNIN),
    "signin_link": ("/signin/link/{token}/", LINK_HOLDER),
    "signin_link_continue": ("/signin/link/", LINK_HOLDER),
    "approval_list": ("/approvals/", APPROVERS),
    # The demo's request for mentor03 to become a coach: a coordinator decides it.
    "approval_decide": ("/approvals/{account_request}/", COORDINATOR_ONLY),
    "signout": ("/signout/", POST_ONLY),
    "recovery_codes_regenerate": ("/account/recovery-codes/", POST_ONLY),
    "home": ("/", EVERYONE),
    "account": ("/account/", EVERYONE),
    "password_change": ("/account/password/", EVERYONE),
    "user_list": ("/admin/users/", ADMIN_ONLY),
    "user_create": ("/admin/users/new/", ADMIN_ONLY),
    "user_detail": ("/admin/users/{user}/", ADMIN_ONLY),
    "user_edit": ("/admin/users/{user}/edit/", ADMIN_ONLY),
    "user_action": ("/admin/users/{user}/reset-authenticator/", ADMIN_ONLY),
    "organisation_list": ("/admin/organisations/", ADMIN_ONLY),
    "programme_list": ("/programmes/", ADMIN_OR_COORDINATORS),
    "programme_create": ("/programmes/new/", ADMIN_ONLY),
    "programme_detail": ("/programmes/{programme}/", ADMIN_OR_ITS_COORDINATOR),
    "programme_edit": ("/programmes/{programme}/edit/", ADMIN_ONLY),
    "programme_settings": ("/programmes/{programme}/settings/", ITS_COORDINATOR),
    "membership_create": ("/programmes/{programme}/members/new/", ADMIN_ONLY),
    "membership_remove": (
        "/programmes/{programme}/members/{programme_membership}/remove/",
        ADMIN_ONLY,
    ),
    "mentor_invite": ("/programmes/{programme}/invite/", ITS_COORDINATOR),
    "organisation_create": ("/admin/organisations/new/", ADMIN_ONLY),
    "organisation_edit": ("/admin/organisations/{organisation}/edit/", ADMIN_ONLY),
    "institution_list": ("/admin/institutions/", ADMIN_ONLY),
    "institution_create": ("/admin/institutions/new/", ADMIN_ONLY),
    "institution_edit": ("/admin/institutions/{institution}/edit/", ADMIN_ONLY),
    "audit_log": ("/audit/", AUDITOR_ONLY),
    "audit_verify": ("/audit/verify/", POST_ONLY),
    "audit_export": ("/audit/export/", POST_ONLY),
    "audit_person_lookup": ("/audit/people/", AUDITOR_ONLY),
    "audit_person": ("/audit/people/{mentee}/", AUDITOR_ONLY),
    "purpose_state": ("/purpose/", POST_ONLY),
    "mentee_list": ("/mentees/", COORDINATOR_ONLY),
    "mentee_create": ("/mentees/new/", COORDINATOR_ONLY),
    "mentee_detail": ("/mentees/{mentee}/", COORDINATOR_ONLY),
    "mentee_edit": ("/mentees/{mentee}/edit/", COORDINATOR_ONLY),
    "custody_event_create": ("/mentees/{mentee}/custody/new/", COORDINATOR_ONLY),
    "referral_inbox": ("/referrals/", COORDINATOR_ONLY),
    "my_referrals": ("/referrals/mine/", REFERRER_OR_COORDINATOR),
    "referral_create": ("/referrals/new/", REFERRER_OR_COORDINATOR),
    # The referrer's own referral; someone else's is covered in tests/test_referrals.py.
    "referral_detail": ("/referrals/{referral}/", REFERRER_OR_COORDINATOR),
    "referral_move": ("/referrals/{referral}/move/withdrawn/", REFERRER_OR_COORDINATOR),
    "referral_screen": ("/referrals/{screening}/screen/", COORDINATOR_ONLY),
    "referral_accept": ("/referrals/{eligible}/accept/", COORDINATOR_ONLY),
    "consent_create": ("/mentees/{mentee}/consent/new/", COORDINATOR_ONLY),
    "consent_withdraw": (
        "/mentees/{consent_mentee}/consent/{consent}/withdraw/",
        COORDINATOR_ONLY,
    ),
    "mentor_list": ("/mentors/", COORDINATOR_OR_TRAINER),
    "mentor_create": ("/mentors/new/", COORDINATOR_ONLY),
    "my_mentor_profile": ("/mentors/me/", MENTORS_REDIRECTED),
    "mentor_detail": ("/mentors/{mentor}/", PROFILE_READERS),
    "mentor_edit": ("/mentors/{mentor}/edit/", PROFILE_EDITORS),
    "mentor_move": ("/mentors/{mentor}/status/paused/", COORDINATOR_ONLY),
    "check_create": ("/mentors/{mentor}/checks/new/", COORDINATOR_ONLY),
    "conflict_create": ("/mentors/{mentor}/conflicts/new/", COORDINATOR_ONLY),
    "training": ("/training/", COORDINATOR_OR_TRAINER),
    "course_create": ("/training/courses/new/", TRAINER_ONLY),
    "course_detail": ("/training/courses/{course}/", COORDINATOR_OR_TRAINER),
    "course_edit": ("/training/courses/{course}/edit/", TRAINER_ONLY),
    "session_create": ("/training/courses/{course}/sessions/new/", TRAINER_ONLY),
    "course_sign_off": ("/training/courses/{course}/sign-off/", TRAINER_ONLY),
    "session_attendance": ("/training/sessions/{session}/attendance/", TRAINER_ONLY),
    "referral_match": ("/referrals/{accepted}/match/", COORDINATOR_ONLY),
    "pool_overview": ("/matching/", COORDINATOR_ONLY),
    "pool_draft_create": ("/matching/drafts/new/", POST_ONLY),
    "pool_draft": ("/matching/drafts/{draft}/", COORDINATOR_ONLY),
    "pool_proposal_edit": ("/matching/drafts/{draft}/lines/{proposal}/", COORDINATOR_ONLY),
    "pool_draft_confirm": ("/matching/drafts/{draft}/confirm/", POST_ONLY),
    "pool_draft_discard": ("/matching/drafts/{draft}/discard/", POST_ONLY),
    "mentorship_list": ("/mentorships/", MENTORS_AND_COORDINATOR),
    "mentorship_detail": ("/mentorships/{active}/", ITS_PEOPLE),
    "mentorship_activate": ("/mentorships/{proposed}/activate/", COORDINATOR_ONLY),
    "mentorship_move": ("/mentorships/{active}/status/paused/", COORDINATOR_ONLY),
    "mentorship_phase": ("/mentorships/{active}/phase/", COORDINATOR_ONLY),
    "mentorship_reallocate": ("/mentorships/{active}/reallocate/", COORDINATOR_ONLY),
    "mentorship_coach": ("/mentorships/{active}/coach/", COORDINATOR_ONLY),
    "mentorship_close": ("/mentorships/{active}/close/", COORDINATOR_ONLY),
    "mentorship_timeline": ("/mentorships/{active}/timeline/", ITS_PEOPLE),
    "check_in_create": ("/mentorships/{active}/check-ins/new/", COORDINATOR_ONLY),
    "plan_edit": ("/mentorships/{active}/plan/", ITS_RECORDERS),
    "goal_create": ("/mentorships/{active}/goals/new/", ITS_RECORDERS),
    "goal_edit": ("/mentorships/{active}/goals/{goal}/edit/", ITS_RECORDERS),
    "meeting_create": ("/mentorships/{active}/meetings/new/", ITS_RECORDERS),
    "meeting_edit": ("/mentorships/{active}/meetings/{meeting}/edit/", ITS_RECORDERS),
    "network": ("/mentorships/{active}/network/", ITS_PEOPLE),
    "reentry": ("/mentorships/{active}/re-entry/", ITS_PEOPLE),
    "reviews": ("/mentorships/{active}/reviews/", ITS_PEOPLE),
    "review_create": ("/mentorships/{active}/reviews/new/", ITS_RECORDERS),
    "reentry_release": ("/mentorships/{active}/re-entry/release/", ITS_RECORDERS),
    "reentry_need_edit": ("/mentorships/{active}/re-entry/{need}/edit/", ITS_RECORDERS),
    "network_member_create": ("/mentorships/{active}/network/new/", ITS_RECORDERS),
    "network_member_edit": ("/mentorships/{active}/network/{member}/edit/", ITS_RECORDERS),
    "network_member_withdraw": (
        "/mentorships/{active}/network/{member}/withdraw/",
        ITS_RECORDERS,
    ),
    "involvement_create": ("/mentorships/{active}/involvement/new/", ITS_RECORDERS),
    "concern_create": ("/mentorships/{active}/concerns/new/", ITS_PEOPLE),
    "concern_list": ("/concerns/", MENTORS_AND_COORDINATOR),
    "concern_detail": ("/concerns/{concern}/", ITS_PEOPLE),
    "concern_triage": ("/concerns/{concern}/triage/", COORDINATOR_ONLY),
    "concern_close": ("/concerns/{concern}/close/", COORDINATOR_ONLY),
    "concern_correct": ("/concerns/{concern}/correct/", CONCERN_RAISER),
    "concern_escalate": ("/concerns/{concern_triaged}/escalate/", COORDINATOR_ONLY),
    "concern_resolve": ("/concerns/{concern_triaged}/resolve/", COORDINATOR_ONLY),
    # Evaluation: follow-ups (of a closed mentorship, of the eligible referral never matched).
    "follow_up_list": ("/evaluation/follow-ups/", COORDINATOR_ONLY),
    "follow_up_mentorship": ("/evaluation/follow-ups/mentorships/{closed}/6/", COORDINATOR_ONLY),
    "follow_up_referral": ("/evaluation/follow-ups/referrals/{eligible}/6/", COORDINATOR_ONLY),
    # The dashboard: coordinators (of their programmes) and the evaluator (pseudonymised).
    "evaluation_dashboard": ("/evaluation/", "coordinators and the evaluator"),
    "evaluation_csv": ("/evaluation/figures/funnel.csv", "coordinators and the evaluator"),
    "evaluation_data_set": ("/evaluation/data-set/", "the evaluator"),
    # The theory of change: the programme's coordinators set its indicators.
    "indicator_list": ("/evaluation/indicators/", COORDINATOR_ONLY),
    "indicator_create": ("/evaluation/indicators/new/", COORDINATOR_ONLY),
    "indicator_edit": ("/evaluation/indicators/{indicator}/edit/", ITS_COORDINATOR),
    # The programme report (small counts hidden): coordinators, the evaluator and liaisons.
    "evaluation_report": ("/evaluation/report/", REPORT_READERS),
    "evaluation_report_pdf": ("/evaluation/report/pdf/", REPORT_READERS),
    "supervision_list": ("/supervision/", EVERY_MENTOR),
    "supervision_create": ("/supervision/new/?mentor={mentor}", COACHES),
    "supervision_overview": ("/supervision/overview/", COORDINATOR_ONLY),
    "supervision_detail": ("/supervision/{supervision}/", SESSION_PEOPLE),
    "supervision_correct": ("/supervision/{supervision}/correct/", SESSION_COACH),
    "supervision_confirm": ("/supervision/{supervision}/confirm/", POST_ONLY),
    "supervision_action_done": ("/supervision/actions/{supervision_action}/done/", POST_ONLY),
    "supervision_wellbeing": ("/supervision/mentors/{mentor}/wellbeing/", WELLBEING_READERS),
    # Disclosures: the programme's coordinators; a second one decides; the recipient's
    # liaison reads; the auditor reads the person's list.
    "disclosure_list": ("/disclosures/", COORDINATOR_ONLY),
    "disclosure_detail": ("/disclosures/{disclosure}/", ITS_COORDINATOR),
    "disclosure_decide": ("/disclosures/{proposed_disclosure}/decide/", SECOND_COORDINATOR),
    "disclosure_revoke": ("/disclosures/{disclosure}/revoke/", ITS_COORDINATOR),
    "disclosure_withdraw": ("/disclosures/{proposed_disclosure}/withdraw/", PROPOSER),
    "disclosure_inbox": ("/disclosures/inbox/", LIAISONS),
    "disclosure_received": ("/disclosures/inbox/{disclosure}/", ITS_RECIPIENT),
    "mentee_disclosures": ("/mentees/{mentee}/disclosures/", COORDINATOR_OR_AUDITOR),
    "disclosure_propose": ("/mentees/{mentee}/disclosures/new/", COORDINATOR_ONLY),
    "wg_meeting_list": ("/working-group/", GROUP_MEMBERS),
    "wg_meeting_plan": ("/working-group/{wg_group}/meetings/new/", ITS_COORDINATOR),
    "wg_meeting_detail": ("/working-group/meetings/{wg_meeting}/", GROUP_MEMBERS),
    "wg_agenda_refresh": ("/working-group/meetings/{wg_meeting}/agenda/", POST_ONLY),
    "wg_matter_add": ("/working-group/meetings/{wg_meeting}/matters/new/", ITS_COORDINATOR),
    "wg_minutes_approve": ("/working-group/meetings/{wg_meeting}/approve/", CHAIR),
    "wg_item_minutes": ("/working-group/items/{wg_item}/", ITS_COORDINATOR),
    "wg_action_add": ("/working-group/items/{wg_item}/actions/new/", ITS_COORDINATOR),
    "wg_action_move": ("/working-group/actions/{wg_action}/", ACTION_OWNERS),
    # Setting up a group: its programme's coordinators; the list and the form for a new one
    # every coordinator (of their own programmes).
    "wg_group_list": ("/working-group/groups/", COORDINATOR_ONLY),
    "wg_group_create": ("/working-group/groups/new/", COORDINATOR_ONLY),
    "wg_group_detail": ("/working-group/groups/{wg_group}/", ITS_COORDINATOR),
    "wg_group_edit": ("/working-group/groups/{wg_group}/edit/", ITS_COORDINATOR),
    "wg_agency_add": ("/working-group/groups/{wg_group}/agencies/new/", ITS_COORDINATOR),
    "wg_agency_remove": (
        "/working-group/groups/{wg_group}/agencies/{wg_agency}/remove/",
        ITS_COORDINATOR,
    ),
    "wg_member_add": ("/working-group/groups/{wg_group}/members/new/", ITS_COORDINATOR),
    "wg_member_remove": (
        "/working-group/groups/{wg_group}/members/{wg_member}/remove/",
        ITS_COORDINATOR,
    ),
    # The API's pages: a person's tokens, a programme's connected systems, the documentation.
    "api_tokens": ("/account/tokens/", EVERYONE),
    "api_token_revoke": ("/account/tokens/1/revoke/", POST_ONLY),
    "api_clients": ("/api/clients/", COORDINATOR_ONLY),
    "api_client_revoke": ("/api/clients/1/revoke/", POST_ONLY),
    "api_client_rotate": ("/api/clients/{client}/rotate/", COORDINATOR_ONLY),
    "api_client_confirm": ("/api/clients/1/confirm/", POST_ONLY),
    "api_documentation": ("/api/", EVERYONE),
    "openapi-json": ("/api/v1/openapi.json", PUBLIC),
    # The API's root only anchors its paths: not found, for anyone (as an unknown link).
    "api-root": ("/api/v1/", LINK_HOLDER),
    "api_mentee_list": ("/api/v1/mentees", BEARER_TOKEN),
    "api_mentee_create": ("/api/v1/mentees", BEARER_TOKEN),
    "api_mentee_detail": ("/api/v1/mentees/{mentee}", BEARER_TOKEN),
    "api_mentee_edit": ("/api/v1/mentees/{mentee}", BEARER_TOKEN),
    "api_custody_event_create": ("/api/v1/mentees/{mentee}/custody-events", BEARER_TOKEN),
    "api_register_event": ("/api/v1/register/custody-events", BEARER_TOKEN),
    "api_register_import": ("/api/v1/register/import", BEARER_TOKEN),
    "api_mentorship_list": ("/api/v1/mentorships", BEARER_TOKEN),
    "api_mentorship_detail": ("/api/v1/mentorships/{active}", BEARER_TOKEN),
    "api_meeting_list": ("/api/v1/mentorships/{active}/meetings", BEARER_TOKEN),
    "api_plan": ("/api/v1/mentorships/{active}/plan", BEARER_TOKEN),
    "api_referral_create": ("/api/v1/referrals", BEARER_TOKEN),
    "api_referral_status": ("/api/v1/referrals/{referral}", BEARER_TOKEN),
    "api_disclosure_inbox": ("/api/v1/disclosures", BEARER_TOKEN),
    "api_figures": ("/api/v1/figures", BEARER_TOKEN),
}
ALLOWED = {
    ADMIN_ONLY: {"admin"},
    APPROVERS: {"admin", "coordinator"},
    AUDITOR_ONLY: {"auditor"},
    COORDINATOR_ONLY: {"coordinator"},
    REFERRER_OR_COORDINATOR: {"referrer", "coordinator"},
    TRAINER_ONLY: {"trainer"},
    COORDINATOR_OR_TRAINER: {"coordinator", "trainer"},
    PROFILE_READERS: {"coordinator", "trainer", "mentor05"},
    PROFILE_EDITORS: {"coordinator", "mentor05"},
    MENTORS_AND_COORDINATOR: {"coordinator", *(f"mentor{n:02d}" for n in range(1, 11))},
    CONCERN_RAISER: {"mentor03"},
    "coordinators and the evaluator": {"coordinator", "evaluator"},
    "the evaluator": {"evaluator"},
    EVERY_MENTOR: {f"mentor{n:02d}" for n in range(1, 11)},
    COACHES: {"mentor01", "mentor02"},
    SESSION_PEOPLE: {"mentor02", "mentor03"},
    SESSION_COACH: {"mentor02"},
    WELLBEING_READERS: {"mentor01", "mentor02", "mentor05"},
    LIAISONS: {"liaison-ministry", "liaison-security"},
    ITS_RECIPIENT: {"liaison-security"},
    COORDINATOR_OR_AUDITOR: {"coordinator", "auditor"},
    REPORT_READERS: {"coordinator", "evaluator", "liaison-ministry", "liaison-security"},
    GROUP_MEMBERS: {"coordinator", "liaison-ministry", "liaison-security"},
    ACTION_OWNERS: {"coordinator", "liaison-security"},
}

# --- Lessons learned: everyone in the programme reads its lessons, its mentors, coaches and
# coordinators write them, the author changes their proposed one, the coordinators decide;
# evaluators and liaisons read the adopted ones.
LESSON_READERS = "everyone taking part in the programme"
LESSON_WRITERS = "the programme's mentors, coaches and coordinators"
ADOPTED_LESSON_READERS = "the programme's people, evaluators and liaisons"
LESSON_AUTHOR = "the lesson's author"
MATRIX.update(
    {
        "lesson_list": ("/lessons/", LESSON_READERS),
        "lesson_create": ("/lessons/new/", LESSON_WRITERS),
        "lesson_adopted": ("/lessons/adopted/", ADOPTED_LESSON_READERS),
        "lesson_tags": ("/lessons/tags/", COORDINATOR_ONLY),
        "lesson_detail": ("/lessons/{lesson}/", LESSON_READERS),
        "lesson_edit": ("/lessons/{lesson}/edit/", LESSON_AUTHOR),
        "lesson_move": ("/lessons/{lesson}/move/discussed/", COORDINATOR_ONLY),
    }
)
ALLOWED.update(
    {
        LESSON_WRITERS: ALLOWED[MENTORS_AND_COORDINATOR],
        LESSON_READERS: {*ALLOWED[MENTORS_AND_COORDINATOR], "trainer"},
        ADOPTED_LESSON_READERS: {
            *ALLOWED[MENTORS_AND_COORDINATOR],
            "trainer",
            "evaluator",
            "liaison-ministry",
            "liaison-security",
        },
        LESSON_AUTHOR: {"mentor07"},
    }
)


# The ids of records that belong to a programme: the demo's are Back on Track's, which the
# special scheme's coordinator does not take part in. Every other record (accounts, the mentor
# corps, organisations) is the installation's, the same for every programme.
PROGRAMME_SCOPED = {
    "mentee",
    "consent_mentee",
    "referral",
    "screening",
    "eligible",
    "accepted",
    "course",
    "session",
    "draft",
    "proposal",
    "active",
    "proposed",
    "closed",
    "goal",
    "meeting",
    "member",
    "need",
    "concern",
    "concern_triaged",
    "lesson",
    "disclosure",
    "proposed_disclosure",
    "indicator",
    "supervision",
    "supervision_action",
    "wg_group",
    "wg_meeting",
    "wg_item",
    "wg_action",
    "client",
}


def _scoped(path: str) -> bool:
    return any(f"{{{key}}}" in path for key in PROGRAMME_SCOPED)


def _allowed(access: str, path: str) -> set[str] | None:
    """Who may GET the path: Back on Track's second coordinator wherever its first is; a
    coordinator of another programme wherever the programme's coordinator is, except on a
    record of the programme."""
    if access == SECOND_COORDINATOR:
        return {"coordinator2"}
    if access in (CHAIR, PROPOSER):
        return {"coordinator"}
    allowed = _allowed_before_the_second_coordinator(access, path)
    if allowed is not None and "coordinator" in allowed:
        return allowed | {"coordinator2"}
    return allowed


def _allowed_before_the_second_coordinator(access: str, path: str) -> set[str] | None:
    if access == ITS_PEOPLE:
        allowed = _people(coach=True)
    elif access == ITS_RECORDERS:
        allowed = _people(coach=False)
    elif access == ITS_COORDINATOR:
        return {"coordinator"}
    elif access == ADMIN_OR_ITS_COORDINATOR:
        return {"admin", "coordinator"}
    elif access == ADMIN_OR_COORDINATORS:
        return {"admin", "coordinator", "coordinator-special"}
    elif access in ALLOWED:
        allowed = ALLOWED[access]
    else:
        return None
    if "coordinator" in allowed and not _scoped(path):
        return allowed | {"coordinator-special"}
    return allowed


def _url_names(patterns: list[URLPattern | URLResolver]) -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _url_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
        else:
            names.add(str(pattern.pattern))
    return names


# Pages that show a person without filing the read under them, as (url name, persona): to be
# emptied as the views read through their app's selectors (issue #14). A listed page that
# files its reads fails too, so that it is taken off.
KNOWN_UNAUDITED: set[tuple[str, str]] = set()

READS = [Action.VIEW, Action.LIST, Action.SEARCH]


@cache
def _mentees_by_name() -> tuple[re.Pattern[str], dict[str, str]]:
    """Each mentee's name as the pages render it ("Ada Lovelace", and "Lovelace, Ada" in the
    lists), and one pattern finding any of them. The synthetic mentees who share a staff
    member's name (the demo mentors Omar Haddad and Leyla Demir) are left out: a page naming
    the mentor would seem to name the mentee; so are names two mentees share."""
    staff = {name for user in User.objects.all() for name in _renderings(user)}
    holders: dict[str, set[str]] = {}
    for mentee in Mentee.objects.all():
        for name in _renderings(mentee):
            holders.setdefault(name, set()).add(str(mentee.pk))
    # A name two synthetic people share cannot say whom the page showed: left out too.
    ids: dict[str, str] = {
        name: next(iter(pks))
        for name, pks in holders.items()
        if name not in staff and len(pks) == 1
    }
    longest_first = sorted(ids, key=len, reverse=True)
    return re.compile("|".join(re.escape(name) for name in longest_first)), ids


def _renderings(person: User | Mentee) -> list[str]:
    return [
        escape(f"{person.first_name} {person.last_name}"),
        escape(f"{person.last_name}, {person.first_name}"),
    ]


def _reads_filed_wrongly(page: str, request_id: str, name: str) -> list[str]:
    """What is wrong with the reads the page filed: the mentees whose name it shows and under
    whom its request filed no read (the auditor's "who looked at this person" would miss
    it), and the mentees it filed without the purpose of the look (a routine look names the
    viewer's part in the case; any other was stated)."""
    pattern, ids = _mentees_by_name()
    shown = {ids[found] for found in pattern.findall(page)}
    if not shown:
        return []
    filed = dict(
        AuditEventSubject.objects.filter(
            object_type="mentees.mentee",
            event__request_id=request_id,
            event__action__in=READS,
        ).values_list("object_id", "event__justification")
    )
    wrong = [f"shows mentee {pk} unaudited" for pk in sorted(shown - set(filed))]
    for person, why in sorted(filed.items()):
        routine = why.startswith("purpose:") and why != f"purpose::{name}"
        if not routine and not why.startswith("stated:"):
            wrong.append(f"filed mentee {person} without its purpose ({why!r})")
    return wrong


def test_every_url_is_in_the_matrix() -> None:
    assert _url_names(get_resolver().url_patterns) == set(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_an_anonymous_visitor_reaches_only_public_pages(name: str, client: Client) -> None:
    path, access = MATRIX[name]
    response = client.get(path.format(**_ids()))
    if access == PUBLIC:
        assert response.status_code in {200, 302, 405}
        if response.status_code == 302:
            assert not response["Location"].startswith("/signin/?next=")
    elif access == PENDING_SIGNIN:
        assert response.status_code == 302
        assert response["Location"] == "/signin/"
    elif access in (LINK_HOLDER,):
        assert response.status_code == 404
    elif access == BEARER_TOKEN:
        assert response.status_code in {401, 405}
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/signin/?next=")


@pytest.mark.parametrize("username", PERSONA_NAMES)
@pytest.mark.parametrize("name", sorted(n for n, (_, a) in MATRIX.items() if a != PUBLIC))
def test_each_persona_gets_exactly_what_the_matrix_says(name: str, username: str) -> None:
    path, access = MATRIX[name]
    ids = _ids()
    # Read in Danish: the page must speak it all through (below), and who gets what does not
    # depend on the language.
    client = signed_in_client(username, purposes_stated(ids))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    response = client.get(path.format(**ids))
    if access == EVERYONE:
        assert response.status_code == 200
    elif (allowed := _allowed(access, path)) is not None:
        assert response.status_code == (200 if username in allowed else 404), access
    elif access == POST_ONLY:
        assert response.status_code == 405
    elif access == MENTORS_REDIRECTED:
        if username.startswith("mentor"):
            assert response.status_code == 302
            assert response["Location"].startswith("/mentors/")
        else:
            assert response.status_code == 404
    elif access == PENDING_SIGNIN:
        # Only reachable between the password and the code; a signed-in user is sent back.
        assert response.status_code == 302
    elif access == LINK_HOLDER:
        assert response.status_code == 404
    elif access == BEARER_TOKEN:
        # A session signs no call of the API in.
        assert response.status_code in {401, 405}
    else:
        pytest.fail(f"{access!r} is not checked")
    if response.status_code != 200:
        return
    # Every page that shows a person files the read under them, with its purpose, so that
    # the auditor's "who looked at this person" is complete. A PDF (the programme report) is
    # searched as text too.
    content = response.content.decode(errors="replace")
    wrong = _reads_filed_wrongly(content, response["X-Request-ID"], name)
    if (name, username) in KNOWN_UNAUDITED:
        assert wrong, f"{name} as {username} files its reads: take it off KNOWN_UNAUDITED"
    else:
        assert not wrong, f"{name} as {username}: {wrong}"
    # A Danish page speaks Danish all through: its template, and every line the system
    # generated or the demo seeded (tests/test_danish_pages.py).
    if response["Content-Type"].startswith("text/html"):
        english = english_on(visible_text(content))
        assert not english, f"{name} as {username}: English on a Danish page: {english}"


# Where every persona must get the same answer (not found), one persona of each set of roles
# answers for the others who hold the same roles, and the active mentorship's own mentor and
# coach (mentor03 and mentor02, docs/guide/demo.md) answer for themselves: the record is theirs,
# as does the security service's liaison, to whose agency the demo's disclosure went.
ONE_OF_EACH_KIND = sorted(
    set({persona.roles: persona.username for persona in reversed(PERSONAS)}.values())
    | {"mentor02", "mentor03", "liaison-security"}
)


# A referrer follows the referrals they made, whichever programme they went to; the auditor
# answers for the whole installation who looked at a person.
NOT_BY_PROGRAMME = {
    ("referral_detail", "referrer"),
    ("referral_move", "referrer"),
    ("audit_person", "auditor"),
    # What was disclosed to an agency stays its liaisons' to read, whatever the programme;
    # the auditor answers for every disclosure about a person.
    ("disclosure_received", "liaison-security"),
    ("mentee_disclosures", "auditor"),
    # A working group's liaisons are its members whatever programme it serves.
    ("wg_meeting_detail", "liaison-ministry"),
    ("wg_meeting_detail", "liaison-security"),
    ("wg_action_move", "liaison-security"),
}


@pytest.mark.parametrize("username", ONE_OF_EACH_KIND)
@pytest.mark.parametrize(
    "name",
    sorted(n for n, (p, a) in MATRIX.items() if _scoped(p) and a not in (POST_ONLY, BEARER_TOKEN)),
)
def test_another_programmes_records_are_not_found(name: str, username: str) -> None:
    """The same records, once they belong to a programme nobody here takes part in: every
    persona gets 404 (the referrer still sees what they sent; the auditor still answers who
    looked at the person)."""
    ids = _ids()  # looked up while the records are still the programme's
    elsewhere = Programme.objects.create(name="Elsewhere")
    for model in (
        Mentee,
        Referral,
        Mentorship,
        PoolDraft,
        Course,
        Lesson,
        Disclosure,
        Indicator,
        Session,
        WorkingGroup,
        ApiClient,
    ):
        model.objects.update(programme=elsewhere)
    path, access = MATRIX[name]
    response = signed_in_client(username, purposes_stated(ids)).get(path.format(**ids))
    expected = 200 if (name, username) in NOT_BY_PROGRAMME else 404
    assert response.status_code == expected, access


@pytest.mark.parametrize("username", ONE_OF_EACH_KIND)
@pytest.mark.parametrize("name", sorted(n for n, (p, _) in MATRIX.items() if "{" in p))
def test_a_record_that_does_not_exist_is_not_found_for_anyone(name: str, username: str) -> None:
    path, access = MATRIX[name]
    missing = {key: "999999" for key in _ids()}
    response = signed_in_client(username).get(path.format(**missing))
    if access == BEARER_TOKEN:
        return  # test_the_api_answers_each_token_as_the_page_it_mirrors
    assert response.status_code == (405 if access == POST_ONLY else 404)


def test_the_navigation_shows_each_role_only_what_it_may_use() -> None:
    admin_page = signed_in_client("admin").get("/").content.decode()
    mentor_page = signed_in_client("mentor05").get("/").content.decode()
    assert 'href="/admin/users/"' in admin_page
    assert 'href="/admin/users/"' not in mentor_page


# The API's reads, each with the page it mirrors and the scope it needs: a token of a persona
# with every scope their roles allow gets 200 where the page opens for them, 404 where it does
# not (the same policy), and 403 without the scope; a missing record is 404 for everyone.
API_MIRRORS = {
    "api_mentee_list": ("mentee_list", "mentees:read"),
    "api_mentee_detail": ("mentee_detail", "mentees:read"),
    "api_mentorship_list": ("mentorship_list", "mentorships:read"),
    "api_mentorship_detail": ("mentorship_detail", "mentorships:read"),
    "api_meeting_list": ("mentorship_detail", "meetings:read"),
    "api_plan": ("mentorship_detail", "plans:read"),
    "api_referral_status": ("referral_detail", "referrals:read"),
    "api_disclosure_inbox": ("disclosure_inbox", "disclosures:read"),
    "api_figures": ("evaluation_dashboard", "figures:read"),
}


def _bearer(username: str) -> Client:
    from backontrack.api.services import token_create
    from backontrack.core.access import api_scopes_of

    user = User.objects.get(username=username)
    scopes = api_scopes_of(user)
    if not scopes:
        return Client(HTTP_AUTHORIZATION="Bearer bot_none_none")
    proof = SteppedUp(user_id=user.pk, at=timezone.now())
    _token, secret = token_create(actor=user, name="matrix", scopes=scopes, days=1, proof=proof)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize("username", ONE_OF_EACH_KIND)
@pytest.mark.parametrize("name", sorted(API_MIRRORS))
def test_the_api_answers_each_token_as_the_page_it_mirrors(name: str, username: str) -> None:
    from backontrack.core.access import api_scopes_of

    path, _access = MATRIX[name]
    page, scope = API_MIRRORS[name]
    ids = _ids()
    client = _bearer(username)
    response = client.get(path.format(**ids))
    user = User.objects.get(username=username)
    if not api_scopes_of(user):
        assert response.status_code == 401
        return
    if scope not in api_scopes_of(user):
        assert response.status_code == 403
        return
    allowed = _allowed(MATRIX[page][1], MATRIX[page][0])
    assert allowed is not None
    assert response.status_code == (200 if username in allowed else 404), response.content
    if "{" in path:
        missing = client.get(path.format(**{key: "999999" for key in ids}))
        assert missing.status_code == 404
