"""The mentee's family and network, on the mentorship: who they are, the picture, consent,
and the involvement of each."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.core import access
from backontrack.core.saving import save_or_say_why
from backontrack.mentorships.selectors import record_mentees

from . import selectors, services
from .forms import InvolvementForm, MemberForm, WithdrawForm
from .models import Closeness, NetworkMember

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
    shown = selectors.network_page(user, pk, request.GET.get("page"))
    mentorship = shown.mentorship
    return render(
        request,
        "network/network.html",
        {
            "mentorship": mentorship,
            "members": shown.members,
            "dots": picture(shown.members),
            "centre": CENTRE,
            "rings": list(RADIUS.values()),
            "page": shown.involvements,
            "querystring": "",
            "network_consent": shown.network_consent,
            "can_edit": access.can_edit_network(user, mentorship),
            "can_record": access.can_record_meetings(user, mentorship),
        },
    )


@sensitive_post_parameters("name", "contact_details", "notes")
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_network(user, mentorship))
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.member_create(
                actor=user, mentorship=mentorship, data=form.member_data()
            ),
            then=reverse("network", args=[mentorship.pk]),
            said=_("The person is added to the network."),
        )
        if done is not None:
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
        done = save_or_say_why(
            request,
            form,
            lambda: services.member_update(
                actor=user,
                mentorship=mentorship,
                member=member,
                version=form.cleaned_data["version"],
                data=form.member_data(),
            ),
            then=reverse("network", args=[mentorship.pk]),
            said=_("The change is saved."),
        )
        if done is not None:
            return done
    if request.method == "GET":
        selectors.member_shown(user, mentorship, member, [*selectors.MEMBER_FIELDS, "notes"])
    else:
        # The form shows again what was typed, not the stored member.
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
        done = save_or_say_why(
            request,
            form,
            lambda: services.consent_withdraw(
                actor=user,
                mentorship=mentorship,
                member=member,
                version=form.cleaned_data["version"],
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                withdrawn_by=form.cleaned_data["withdrawn_by"],
            ),
            then=reverse("network", args=[mentorship.pk]),
            said=_("Consent is withdrawn: nobody contacts this person from now on."),
        )
        if done is not None:
            return done
    selectors.member_shown(user, mentorship, member, ["name", "consent"])
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
        done = save_or_say_why(
            request,
            form,
            lambda: services.involvement_record(
                actor=user,
                mentorship=mentorship,
                member=data["member"],
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                meeting=data["meeting"],
                note=data["note"],
            ),
            then=reverse("network", args=[mentorship.pk]),
            said=_("The involvement is recorded."),
        )
        if done is not None:
            return done
    selectors.involvement_form_shown(
        user,
        mentorship,
        form.fields["member"].queryset,  # type: ignore[attr-defined]
    )
    return render(
        request,
        "network/involvement_form.html",
        {"mentorship": mentorship, "form": form, "network_consent": network_consent},
    )
