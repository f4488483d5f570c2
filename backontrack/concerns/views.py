"""Concerns: raising one on a mentorship, its page, the moves of its life-cycle, and the
list of the concerns a person may see."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.core import access
from backontrack.core.saving import save_or_say_why
from backontrack.mentorships.selectors import record_mentees
from backontrack.programmes.switch import programme_switch
from backontrack.supervision import selectors as supervision

from . import selectors, services
from .forms import ConcernFilterForm, ConcernForm, CorrectForm, EndForm, EscalateForm, TriageForm
from .models import Concern, EscalationTarget, Severity


def _emergency() -> dict[str, Any]:
    return {"emergency_calls": settings.BACKONTRACK_EMERGENCY_CALLS}


def _detail_url(concern: Concern) -> str:
    return reverse("concern_detail", args=[concern.pk])


@sensitive_post_parameters("facts", "assessment")
@require_http_methods(["GET", "POST"])
def concern_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_raise_concern(user, mentorship))
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.concern_raise(
                actor=user, mentorship=mentorship, data=form.observation()
            ),
            then=_detail_url,
            said=_("The concern is raised. A coordinator of the programme triages it."),
        )
        if done is not None:
            return done
    record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "concerns/concern_form.html",
        {
            "mentorship": mentorship,
            "form": form,
            "immediate": Severity.IMMEDIATE,
            **_emergency(),
        },
    )


@require_GET
def concern_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.concern_page(user, pk)
    concern = shown.concern
    return render(
        request,
        "concerns/concern_detail.html",
        {
            "concern": concern,
            "mentorship": concern.mentorship,
            "events": shown.events,
            "revisions": shown.revisions,
            "due_at": concern.triage_due_at(),
            "overdue": concern.triage_overdue(),
            "can_triage": access.can_triage_concern(user, concern),
            "can_escalate": access.can_escalate_concern(user, concern),
            "can_resolve": access.can_resolve_concern(user, concern),
            "can_close": access.can_close_concern(user, concern),
            "can_correct": access.can_correct_concern(user, concern),
            "immediate": concern.severity == Severity.IMMEDIATE and concern.is_open,
            "supervision": supervision.guidance_on_escalated_concern(user, concern),
            **_emergency(),
        },
    )


def _move(
    request: HttpRequest,
    pk: int,
    *,
    allowed: Callable[[Any, Concern], bool],
    make_form: Callable[[Any, Concern], forms.Form],
    write: Callable[[Any, Concern, dict[str, Any], forms.Form], Concern],
    template: str,
    said: str,
    shows: list[str],
) -> HttpResponse:
    """A page with one move of the concern's life-cycle: the form, and its write."""
    user = access.signed_in_user(request)
    concern = access.concern_for(user, pk)
    access.require(allowed(user, concern))
    form = make_form(request.POST or None, concern)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: write(user, concern, form.cleaned_data, form),
            then=_detail_url(concern),
            said=said,
        )
        if done is not None:
            return done
    selectors.concern_form_shown(user, concern, shows)
    return render(request, template, {"concern": concern, "form": form, **_emergency()})


@sensitive_post_parameters("assessment", "next_step")
@require_http_methods(["GET", "POST"])
def concern_triage(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        allowed=access.can_triage_concern,
        make_form=lambda data, c: TriageForm(
            data, initial={"version": c.version, "severity": c.severity}
        ),
        write=lambda user, c, data, _form: services.concern_triage(
            actor=user,
            concern=c,
            version=data["version"],
            severity=data["severity"],
            assessment=data["assessment"],
            next_step=data["next_step"],
        ),
        template="concerns/triage.html",
        said=_("The concern is triaged."),
        shows=["category", "severity", "observed_at", "facts", "assessment"],
    )


@sensitive_post_parameters("passed_on")
@require_http_methods(["GET", "POST"])
def concern_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        allowed=access.can_escalate_concern,
        make_form=lambda data, c: EscalateForm(
            data, initial={"version": c.version, "target": EscalationTarget.WORKING_GROUP}
        ),
        write=lambda user, c, data, form: services.concern_escalate(
            actor=user,
            concern=c,
            version=data["version"],
            target=data["target"],
            agency_route=data["agency_route"],
            passed_on=data["passed_on"],
            passed_on_at=form.moment(),  # type: ignore[attr-defined]
        ),
        template="concerns/escalate.html",
        said=_("The concern is escalated."),
        shows=["category", "severity", "facts", "triage_assessment", "next_step"],
    )


RESOLVE_LABEL = gettext_lazy("Outcome")
CLOSE_LABEL = gettext_lazy("Why no action is needed")


@sensitive_post_parameters("text")
@require_http_methods(["GET", "POST"])
def concern_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        allowed=access.can_resolve_concern,
        make_form=lambda data, c: EndForm(
            data, label=RESOLVE_LABEL, initial={"version": c.version}
        ),
        write=lambda user, c, data, _form: services.concern_resolve(
            actor=user, concern=c, version=data["version"], outcome=data["text"]
        ),
        template="concerns/resolve.html",
        said=_("The concern is resolved."),
        shows=["category", "severity", "facts", "triage_assessment", "escalation_target"],
    )


@sensitive_post_parameters("text")
@require_http_methods(["GET", "POST"])
def concern_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        allowed=access.can_close_concern,
        make_form=lambda data, c: EndForm(data, label=CLOSE_LABEL, initial={"version": c.version}),
        write=lambda user, c, data, _form: services.concern_close(
            actor=user, concern=c, version=data["version"], reason=data["text"]
        ),
        template="concerns/close.html",
        said=_("The concern is closed with no action."),
        shows=["category", "severity", "facts"],
    )


@sensitive_post_parameters("facts", "assessment")
@require_http_methods(["GET", "POST"])
def concern_correct(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        allowed=access.can_correct_concern,
        make_form=lambda data, c: CorrectForm(
            data, initial={"version": c.version, "facts": c.facts, "assessment": c.assessment}
        ),
        write=lambda user, c, data, _form: services.concern_correct(
            actor=user,
            concern=c,
            version=data["version"],
            facts=data["facts"],
            assessment=data["assessment"],
        ),
        template="concerns/correct.html",
        said=_("The correction is saved; the earlier text is kept."),
        shows=["facts", "assessment"],
    )


@require_GET
def concern_list(request: HttpRequest) -> HttpResponse:
    """The coordinator's concerns of their programmes; a mentor's and a coach's own."""
    user = access.signed_in_user(request)
    coordinator = bool(access.programmes_coordinated_by(user).exists())
    access.require(coordinator or access.own_mentor_profile(user) is not None)
    form = ConcernFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    switch = programme_switch(request, access.programmes_of(user))
    page = selectors.concerns_listed(
        user, {**filters, "programme": switch.chosen}, request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "concerns/concern_list.html",
        {
            "switch": switch,
            "form": form,
            "page": page,
            "coordinator": coordinator,
            "querystring": params.urlencode(),
        },
    )
