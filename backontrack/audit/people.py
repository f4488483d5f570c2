"""Which people (mentees) an event concerns, derived from the records it names, so that
"who looked at this person" finds every view, list and change of anything about them — a
referral, a meeting, a network member, a review — not only of their register entry."""

from collections.abc import Iterable

from django.apps import apps

# Record type → the path from it to the person's id. Strings only: the audit trail imports
# no domain app.
PERSON_OF: dict[str, str] = {
    "mentees.custodyevent": "mentee_id",
    "mentees.consent": "mentee_id",
    "referrals.referral": "mentee_id",
    "referrals.screening": "referral__mentee_id",
    "referrals.referraltransition": "referral__mentee_id",
    "mentors.conflictofinterest": "mentee_id",
    "mentors.draftproposal": "referral__mentee_id",
    "mentors.pooldraft": "proposals__referral__mentee_id",
    "mentorships.mentorship": "mentee_id",
    "mentorships.meeting": "mentorship__mentee_id",
    "mentorships.checkin": "mentorship__mentee_id",
    "mentorships.plan": "mentorship__mentee_id",
    "mentorships.goal": "mentorship__mentee_id",
    "mentorships.reentryplan": "mentorship__mentee_id",
    "mentorships.reentryneed": "plan__mentorship__mentee_id",
    "network.networkmember": "mentee_id",
    "network.involvement": "member__mentee_id",
    "reviews.review": "mentorship__mentee_id",
    "concerns.concern": "mentorship__mentee_id",
    "evaluation.followup": "mentee_id",
    "supervision.session": "participants__discussions__mentorship__mentee_id",
    "supervision.discussion": "mentorship__mentee_id",
    "supervision.agreedaction": "participant__discussions__mentorship__mentee_id",
    "disclosures.disclosure": "mentee_id",
    "workinggroup.agendaitem": "case__mentee_id",
    "workinggroup.groupaction": "item__case__mentee_id",
}


def people_concerned(object_type: str, ids: Iterable[str]) -> list[str]:
    """The ids of the people the records concern, sorted (one query; none for a record type
    that concerns nobody, or for the register's own entries, which name them already)."""
    path = PERSON_OF.get(object_type)
    wanted = [i for i in ids if i and i.isdigit()]
    if path is None or not wanted:
        return []
    model = apps.get_model(object_type)
    found = model._default_manager.filter(pk__in=wanted).values_list(path, flat=True)
    return sorted({str(person) for person in found if person is not None}, key=int)


def relation_to(actor: object, people: list[str]) -> str:
    """The actor's part in these people's cases, for the purpose of a routine look: the
    coordinator of the programme, the assigned mentor, the supervising coach, the referrer,
    the data-protection auditor; "" when none applies."""
    roles = set(getattr(actor, "roles", ()))
    actor_id: int = getattr(actor, "pk", 0) or 0
    if "coordinator" in roles:
        return "coordinator"
    if "auditor" in roles:
        return "auditor"
    if "liaison" in roles:
        # A liaison reads a person only in a disclosure to their agency (core/access.py).
        return "recipient"
    mentorships = apps.get_model("mentorships.Mentorship")._default_manager.filter(
        mentee_id__in=people
    )
    if "mentor" in roles and mentorships.filter(mentor__user_id=actor_id).exists():
        return "mentor"
    if "coach" in roles and mentorships.filter(coach__user_id=actor_id).exists():
        return "coach"
    if "referrer" in roles:
        referrals = apps.get_model("referrals.Referral")._default_manager
        if referrals.filter(mentee_id__in=people, referred_by_id=actor_id).exists():
            return "referrer"
    return ""
