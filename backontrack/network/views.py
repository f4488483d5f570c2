"""The mentee's family and network, on the mentorship: who they are, the picture, consent,
and the involvement of each."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, form_tokens
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.core.forms import VersionedFormMixin
from backontrack.mentorships.models import Mentorship
from backontrack.mentorships.selectors import record_mentees
from backontrack.mentorships.services import Refused

from . import services
from .forms import InvolvementForm, MemberForm, WithdrawForm
from .models import Closeness, NetworkMember

INVOLVEMENTS_PER_PAGE = 20
MEMBER_FIELDS = ["name", "relation", "influence", "closeness", "contact_details", "consent"]
# The picture: rings by closeness around the mentee.
RADIUS: dict[str, int] = {Closeness.CLOSE: 70, Closeness.SOME: 125, Closeness.DISTANT: 180}
CENTRE = 210


@dataclass
class Dot:
    member: NetworkMember
    x: int
    y: int
    label_y: int


def picture(members: list[NetworkMember]) -> list[Dot]:
    """Where each member stands in the picture: on the ring of their closeness, spread
    evenly around it."""
    dots = []
    for ring, radius in RADIUS.items():
        on_ring = [m for m in members if m.closeness == ring]
        for n, member in enumerate(on_ring):
            angle = 2 * math.pi * n / len(on_ring) - math.pi / 2 + (0.4 if ring != "close" else 0)
            x = CENTRE + round(radius * math.cos(angle))
            y = CENTRE + round(radius * math.sin(angle))
            dots.append(Dot(member, x, y, y + 26))
    return dots


@require_GET
def network(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    members = sorted(
        access.network_of(user, mentorship), key=lambda m: (list(RADIUS).index(m.closeness), m.pk)
    )
    network_consent = services.network_consent(mentorship.mentee, timezone.localdate())
    for member in members:
        # Shown per person: may they be contacted today (both consents and the mentee's
        # consent to contacting the network)?
        member.may_contact = network_consent and member.consent_state == "given"  # type: ignore[attr-defined]
    involvements = Paginator(access.involvements_of(user, mentorship), INVOLVEMENTS_PER_PAGE)
    page = involvements.get_page(request.GET.get("page"))
    record_mentees(user, [mentorship], ["name"], f"network of mentorship #{mentorship.pk}")
    record(
        actor=user,
        action=Action.LIST,
        object_type=NetworkMember._meta.label_lower,
        object_ids=[m.pk for m in members],
        fields=MEMBER_FIELDS,
        detail=f"network of mentorships.mentorship #{mentorship.pk}",
    )
    if page.object_list:
        record(
            actor=user,
            action=Action.LIST,
            object_type="network.involvement",
            object_ids=[i.pk for i in page.object_list],
            fields=["member", "kind", "occurred_on", "note"],
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    return render(
        request,
        "network/network.html",
        {
            "mentorship": mentorship,
            "members": members,
            "dots": picture(members),
            "centre": CENTRE,
            "rings": list(RADIUS.values()),
            "page": page,
            "querystring": "",
            "network_consent": network_consent,
            "can_edit": access.can_edit_network(user, mentorship),
            "can_record": access.can_record_meetings(user, mentorship),
        },
    )


def _save(
    request: HttpRequest, mentorship: Mentorship, form: VersionedFormMixin, write: object
) -> HttpResponse | None:
    done = redirect("network", pk=mentorship.pk)
    try:
        with form_tokens.spend(form, actor=request.user) as spending:
            write()  # type: ignore[operator]
            spending.made(done.url)
    except form_tokens.AlreadySubmitted as submitted:
        return form_tokens.already_submitted(request, submitted)
    except ConcurrentEditError:
        messages.error(request, str(VersionedFormMixin.concurrent_edit_message))
        return done
    except Refused as refused:
        form.add_error(None, str(refused))
        return None
    return done


@sensitive_post_parameters("name", "contact_details", "notes")
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_network(user, mentorship))
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _save(
            request,
            mentorship,
            form,
            lambda: services.member_create(
                actor=user, mentorship=mentorship, data=form.member_data()
            ),
        )
        if done:
            messages.success(request, _("The person is added to the network."))
            return done
    record_mentees(user, [mentorship], ["name"])
    return render(request, "network/member_form.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("name", "contact_details", "notes")
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_network(user, mentorship))
    member = access.network_member_for(user, mentorship, member_pk)
    form = MemberForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        done = _save(
            request,
            mentorship,
            form,
            lambda: services.member_update(
                actor=user,
                mentorship=mentorship,
                member=member,
                version=form.cleaned_data["version"],
                data=form.member_data(),
            ),
        )
        if done:
            messages.success(request, _("The change is saved."))
            return done
    if request.method == "GET":
        record(actor=user, action=Action.VIEW, obj=member, fields=[*MEMBER_FIELDS, "notes"])
    record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "network/member_form.html",
        {"mentorship": mentorship, "form": form, "member": member},
    )


@require_http_methods(["GET", "POST"])
def member_withdraw(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_network(user, mentorship))
    member = access.network_member_for(user, mentorship, member_pk)
    form = WithdrawForm(request.POST or None, initial={"version": member.version})
    if request.method == "POST" and form.is_valid():
        done = _save(
            request,
            mentorship,
            form,
            lambda: services.consent_withdraw(
                actor=user,
                mentorship=mentorship,
                member=member,
                version=form.cleaned_data["version"],
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                withdrawn_by=form.cleaned_data["withdrawn_by"],
            ),
        )
        if done:
            messages.success(
                request, _("Consent is withdrawn: nobody contacts this person from now on.")
            )
            return done
    record(actor=user, action=Action.VIEW, obj=member, fields=["name", "consent"])
    record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "network/withdraw.html",
        {"mentorship": mentorship, "form": form, "member": member},
    )


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def involvement_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_record_meetings(user, mentorship))
    contactable = access.network_of(user, mentorship).filter(
        mentee_consent_on__isnull=False,
        member_consent_on__isnull=False,
        consent_withdrawn_on__isnull=True,
    )
    network_consent = services.network_consent(mentorship.mentee, timezone.localdate())
    form = InvolvementForm(
        request.POST or None,
        members=contactable if network_consent else contactable.none(),
        meetings=access.meetings_of(user, mentorship).filter(
            occurred_on__gte=timezone.localdate() - timedelta(days=90)
        ),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _save(
            request,
            mentorship,
            form,  # type: ignore[arg-type]
            lambda: services.involvement_record(
                actor=user,
                mentorship=mentorship,
                member=data["member"],
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                meeting=data["meeting"],
                note=data["note"],
            ),
        )
        if done:
            messages.success(request, _("The involvement is recorded."))
            return done
    record_mentees(user, [mentorship], ["name"])
    record(
        actor=user,
        action=Action.LIST,
        object_type=NetworkMember._meta.label_lower,
        object_ids=[m.pk for m in form.fields["member"].queryset],  # type: ignore[attr-defined]
        fields=["name", "relation"],
        detail=f"to record involvement in mentorships.mentorship #{mentorship.pk}",
    )
    return render(
        request,
        "network/involvement_form.html",
        {"mentorship": mentorship, "form": form, "network_consent": network_consent},
    )
