"""Overdue working-group actions, by e-mail to their owners through `send-alerts`: the person
who owns one, or the liaisons of the owning agency who are members of the group. The e-mail
holds no names and no text of the action, only how many and a link. Each action is sent to
each owner once."""

from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from backontrack.accounts.models import Role, User
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.mentorships.models import SentAlert

from .models import OPEN_ACTION_STATUSES, GroupAction


def overdue_owners(today: date) -> dict[int, tuple[User, set[str]]]:
    """Each owner of an overdue action with the keys of their overdue actions."""
    overdue = GroupAction.objects.filter(
        status__in=OPEN_ACTION_STATUSES, due_on__lt=today
    ).select_related("owner_user", "item__meeting__group")
    owners: dict[int, tuple[User, set[str]]] = {}
    liaisons: dict[tuple[int, int], list[User]] = {}
    for action in overdue:
        key = f"wg_action:{action.pk}"
        if action.owner_user is not None:
            people = [action.owner_user] if action.owner_user.is_active else []
        else:
            group = action.item.meeting.group
            wanted = (group.pk, action.owner_agency_id or 0)
            if wanted not in liaisons:
                liaisons[wanted] = list(
                    group.members.filter(
                        is_active=True,
                        organisation_id=wanted[1],
                        role_grants__role=Role.LIAISON,
                    )
                )
            people = liaisons[wanted]
        for person in people:
            owners.setdefault(person.pk, (person, set()))[1].add(key)
    return owners


def email_action_owners(*, today: date) -> tuple[int, int]:
    """E-mail each owner their overdue actions not sent before. Returns (e-mails, actions)."""
    owners = overdue_owners(today)
    keys = {key for _person, owned in owners.values() for key in owned}
    sent_before = set(SentAlert.objects.filter(key__in=keys).values_list("user_id", "key"))
    mails = sent = 0
    actions: set[int] = set()
    url = f"{settings.BACKONTRACK_BASE_URL.rstrip('/')}/"
    for user_id, (person, owned) in sorted(owners.items()):
        new = sorted(key for key in owned if (user_id, key) not in sent_before)
        if not new or not person.email:
            continue
        with transaction.atomic():
            SentAlert.objects.bulk_create(
                SentAlert(user_id=user_id, key=key, sent_on=today) for key in new
            )
            send_mail(
                subject=f"Back on Track: {len(new)} working-group actions overdue",
                message="\n".join(
                    [
                        "Working-group actions you or your agency own are overdue:",
                        "",
                        url,
                        "",
                        "Sign in to Back on Track to see which. This e-mail holds no names on "
                        "purpose.",
                    ]
                ),
                from_email=None,
                recipient_list=[person.email],
            )
        mails += 1
        sent += len(new)
        actions |= {int(key.rsplit(":", 1)[1]) for key in new}
    if sent:
        record(
            actor=None,
            username="(backontrack send-alerts)",
            action=Action.DISCLOSE,
            object_type=GroupAction._meta.label_lower,
            object_ids=sorted(actions),
            fields=["due_on"],
            recipient="action owners by e-mail (no names)",
            detail=f"{sent} overdue actions in {mails} e-mails",
        )
    return mails, sent
