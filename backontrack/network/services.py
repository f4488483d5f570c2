"""Every write to the network and its involvement, audited in the same transaction."""

from dataclasses import asdict, dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backontrack.accounts.models import User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, dates
from backontrack.core.concurrency import claim_version
from backontrack.mentees.models import Consent, Mentee
from backontrack.mentorships.models import Meeting, Mentorship
from backontrack.mentorships.services import Refused

from .models import Closeness, Influence, Involvement, NetworkMember, Relation, WithdrawnBy


def network_consent(mentee: Mentee, day: date) -> bool:
    """The mentee's consent to contacting family and network, in force on `day`."""
    return (
        Consent.objects.filter(mentee=mentee, contact_network=True, given_on__lte=day)
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        .exists()
    )


def why_not_contactable(member: NetworkMember, day: date) -> list[str]:
    """What stops contacting the member on `day`; empty when both consents are in force."""
    missing = []
    if not network_consent(member.mentee, day):
        missing.append(_("the mentee's consent to contacting family and network"))
    if member.consent_withdrawn_on is not None and member.consent_withdrawn_on <= day:
        missing.append(
            _("consent was withdrawn on %(date)s") % {"date": member.consent_withdrawn_on}
        )
    else:
        if member.mentee_consent_on is None or member.mentee_consent_on > day:
            missing.append(_("the mentee's agreement to involve this person"))
        if member.member_consent_on is None or member.member_consent_on > day:
            missing.append(_("the person's own consent"))
    return [str(m) for m in missing]


@dataclass
class MemberData:
    name: str
    relation: str
    influence: str
    closeness: str
    contact_details: str
    mentee_consent_on: date | None
    member_consent_on: date | None
    notes: str

    def clean(self) -> "MemberData":
        if (
            self.relation not in Relation.values
            or self.influence not in Influence.values
            or self.closeness not in Closeness.values
        ):
            raise Refused(_("Choose from the options given."))
        if not self.name.strip():
            raise Refused(_("Give the person's name."))
        today = timezone.localdate()
        for given in (self.mentee_consent_on, self.member_consent_on):
            if given is not None and given > today:
                raise Refused(_("A consent cannot be dated in the future."))
            dates.PROGRAMME_EVENT.require(given)
        self.name = self.name.strip()
        self.contact_details = self.contact_details.strip()
        self.notes = self.notes.strip()
        return self


def _filled(data: MemberData) -> list[str]:
    return [name for name, value in asdict(data).items() if value not in ("", None)]


def _detail(mentorship: Mentorship) -> str:
    return f"for mentees.mentee #{mentorship.mentee_id} in mentorships.mentorship #{mentorship.pk}"


@transaction.atomic
def member_create(*, actor: User, mentorship: Mentorship, data: MemberData) -> NetworkMember:
    if not access.can_edit_network(actor, mentorship):
        raise Refused(_("The network is kept by the mentor and the coordinator."))
    member = NetworkMember.objects.create(
        mentee_id=mentorship.mentee_id, created_by=actor, **asdict(data.clean())
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=member,
        fields=_filled(data),
        detail=_detail(mentorship),
    )
    return member


@transaction.atomic
def member_update(
    *, actor: User, mentorship: Mentorship, member: NetworkMember, version: int, data: MemberData
) -> NetworkMember:
    """Change a member. After a withdrawal the consent dates stay as they were: consent
    given anew is recorded as a new entry, so the record shows what was agreed when."""
    if not access.can_edit_network(actor, mentorship) or member.mentee_id != mentorship.mentee_id:
        raise Refused(_("The network is kept by the mentor and the coordinator."))
    data.clean()
    if member.consent_withdrawn_on is not None and (
        data.mentee_consent_on != member.mentee_consent_on
        or data.member_consent_on != member.member_consent_on
    ):
        raise Refused(
            _(
                "Consent was withdrawn on %(date)s. If it is given again, add the person "
                "again with the new consent."
            )
            % {"date": member.consent_withdrawn_on}
        )
    for name in ("mentee_consent_on", "member_consent_on"):
        given = getattr(member, name)
        if given is not None and getattr(data, name) != given:
            raise Refused(
                _(
                    "A consent once recorded is not changed or removed. If it is withdrawn, "
                    "record the withdrawal; if it was recorded by mistake, tell the coordinator."
                )
            )
    if member.consent_withdrawn_on is not None and data.contact_details:
        raise Refused(_("Consent is withdrawn: no contact details are kept."))
    claim_version(member, version)
    changed = [name for name, value in asdict(data).items() if getattr(member, name) != value]
    for name, value in asdict(data).items():
        setattr(member, name, value)
    member.save()
    record(
        actor=actor, action=Action.CHANGE, obj=member, fields=changed, detail=_detail(mentorship)
    )
    return member


@transaction.atomic
def consent_withdraw(
    *,
    actor: User,
    mentorship: Mentorship,
    member: NetworkMember,
    version: int,
    withdrawn_on: date,
    withdrawn_by: str,
) -> NetworkMember:
    """The mentee or the person withdraws consent: from that day nobody contacts them."""
    if not access.can_edit_network(actor, mentorship) or member.mentee_id != mentorship.mentee_id:
        raise Refused(_("The network is kept by the mentor and the coordinator."))
    if member.consent_withdrawn_on is not None:
        raise Refused(_("Consent is already withdrawn."))
    if withdrawn_by not in WithdrawnBy.values:
        raise Refused(_("Choose from the options given."))
    if withdrawn_on > timezone.localdate():
        raise Refused(_("A withdrawal cannot be dated in the future."))
    dates.PROGRAMME_EVENT.require(withdrawn_on)
    later = (
        Involvement.objects.filter(member=member, occurred_on__gte=withdrawn_on)
        .order_by("-occurred_on")
        .first()
    )
    if later is not None:
        raise Refused(
            _(
                "An involvement is recorded on %(date)s: date the withdrawal after it, or ask "
                "the coordinator to look at that record."
            )
            % {"date": later.occurred_on}
        )
    claim_version(member, version)
    member.consent_withdrawn_on = withdrawn_on
    member.consent_withdrawn_by = withdrawn_by
    # Nobody contacts them any more: their contact details are not kept.
    member.contact_details = ""
    member.save(
        update_fields=[
            "consent_withdrawn_on",
            "consent_withdrawn_by",
            "contact_details",
            "updated_at",
        ]
    )
    record(
        actor=actor,
        action=Action.CHANGE,
        obj=member,
        fields=["consent_withdrawn_on", "consent_withdrawn_by", "contact_details"],
        detail=_detail(mentorship),
    )
    return member


@transaction.atomic
def involvement_record(
    *,
    actor: User,
    mentorship: Mentorship,
    member: NetworkMember,
    kind: str,
    occurred_on: date,
    meeting: Meeting | None,
    note: str,
) -> Involvement:
    """Record that the mentorship involved a network member — only with both consents and
    the mentee's consent to contacting the network in force on that day."""
    if not access.can_record_meetings(actor, mentorship):
        raise Refused(_("Involvement is recorded by the mentor of an active mentorship."))
    if member.mentee_id != mentorship.mentee_id or kind not in Involvement.Kind.values:
        raise Refused(_("Choose from the options given."))
    if meeting is not None and meeting.mentorship_id != mentorship.pk:
        raise Refused(_("Choose from the options given."))
    if occurred_on <= timezone.localdate():
        dates.PROGRAMME_EVENT.require(occurred_on)
    if occurred_on > timezone.localdate():
        raise Refused(_("Involvement cannot be recorded before it has taken place."))
    if occurred_on < (mentorship.initial_meeting_on or timezone.localdate(mentorship.created_at)):
        raise Refused(_("Involvement cannot be dated before the mentorship began."))
    # The person and the mentee are locked: a withdrawal of either consent recorded at the
    # same moment waits, and is then seen.
    Mentee.objects.select_for_update().filter(pk=mentorship.mentee_id).first()
    member = NetworkMember.objects.select_for_update().get(pk=member.pk)
    if missing := why_not_contactable(member, occurred_on):
        raise Refused(
            _("%(name)s may not be contacted: %(missing)s.")
            % {"name": member.name, "missing": "; ".join(missing)}
        )
    involvement = Involvement.objects.create(
        mentorship=mentorship,
        member=member,
        kind=kind,
        occurred_on=occurred_on,
        phase=mentorship.phase,
        meeting=meeting,
        note=note.strip(),
        recorded_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=involvement,
        fields=["member", "kind", "occurred_on", *(["meeting"] if meeting else [])]
        + (["note"] if note.strip() else []),
        detail=_detail(mentorship),
    )
    return involvement
