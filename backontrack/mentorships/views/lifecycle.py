"""A mentorship's life: the list, its page, activation, pause and resume, the phase,
reallocation, the coach, closure and the coordinator's check-ins."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.accounts.models import Role
from backontrack.core import access
from backontrack.core.saving import save_or_say_why
from backontrack.disclosures import selectors as disclosures
from backontrack.programmes.switch import programme_switch

from .. import selectors, services
from ..alerts import visible_alerts
from ..forms import (
    STALE,
    ActivationForm,
    CheckInForm,
    CloseForm,
    CoachForm,
    MentorshipFilterForm,
    PhaseForm,
    ReallocateForm,
    ReasonForm,
)
from ..models import MentorshipStatus


@require_GET
def mentorship_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(
        access.has_role(user, Role.COORDINATOR) or access.own_mentor_profile(user) is not None
    )
    form = MentorshipFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    switch = programme_switch(request, access.programmes_of(user))
    page = selectors.mentorships_listed(
        user, {**filters, "programme": switch.chosen}, request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "mentorships/list.html",
        {
            "switch": switch,
            "form": form,
            "page": page,
            "rows": [(m, selectors.is_quiet(m)) for m in page.object_list],
            "querystring": params.urlencode(),
        },
    )


@require_GET
def mentorship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.mentorship_record(user, pk, request.GET.get("page"))
    mentorship = shown.mentorship
    return render(
        request,
        "mentorships/detail.html",
        {
            "mentorship": mentorship,
            "record_opens": access.can_open_mentee_record(user, mentorship.mentee_id),
            "meetings": shown.meetings,
            "querystring": "",
            "changes": shown.changes,
            "alerts": visible_alerts(user, access.mentorships_visible_to(user).filter(pk=pk)),
            "check_ins": shown.check_ins,
            "plan": shown.plan,
            "goals": shown.goals,
            "can_edit_plan": access.can_edit_plan(user, mentorship),
            "can_check_in": access.can_steer_ongoing_mentorship(user, mentorship),
            "can_activate": access.can_activate_mentorship(user, mentorship),
            "pause_to": access.pause_or_resume_to(user, mentorship),
            "can_record": access.can_record_meetings(user, mentorship),
            "editable": access.editable_meetings(user, mentorship, shown.meetings.object_list),
            "can_manage_open": access.can_change_open_mentorship(user, mentorship),
            "is_mentor": access.is_mentor_of(user, mentorship),
            "coach_reasons": access.can_see_coach_change_reasons(user, mentorship),
            "mentor_reasons": access.can_see_reallocation_reasons(user, mentorship),
            "can_raise_concern": access.can_raise_concern(user, mentorship),
            "disclosures_noted": disclosures.noted_for_mentorship(user, mentorship),
        },
    )


@sensitive_post_parameters("roles_agreed", "safety_rules")
@require_http_methods(["GET", "POST"])
def mentorship_activate(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_activate_mentorship(user, mentorship))
    form = ActivationForm(request.POST or None, initial={"version": mentorship.version})
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.mentorship_activate(
                actor=user,
                mentorship=mentorship,
                version=form.cleaned_data["version"],
                agreement=form.agreement(),
            ),
            then=reverse("mentorship_detail", args=[mentorship.pk]),
            said=lambda activated: (
                _("The mentorship is active, in the phase: %(phase)s.")
                % {"phase": activated.get_phase_display()}
            ),
            stale=str(STALE),
        )
        if done is not None:
            return done
    selectors.mentorship_form_shown(user, mentorship, ["mentee", "mentor", "status"])
    return render(request, "mentorships/activate.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("reason")
@require_http_methods(["GET", "POST"])
def mentorship_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    """Pause an active mentorship, or resume a paused one, with the reason."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.pause_or_resume_to(user, mentorship) == to)
    form = ReasonForm(request.POST or None, initial={"version": mentorship.version})
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.mentorship_pause_or_resume(
                actor=user,
                mentorship=mentorship,
                version=form.cleaned_data["version"],
                to_status=to,
                reason=form.cleaned_data["reason"],
            ),
            then=reverse("mentorship_detail", args=[mentorship.pk]),
            said=_("The mentorship is now: %(status)s.") % {"status": MentorshipStatus(to).label},
            stale=str(STALE),
        )
        if done is not None:
            return done
    selectors.mentorship_form_shown(user, mentorship, ["mentee", "status"])
    return render(
        request,
        "mentorships/move.html",
        {"mentorship": mentorship, "form": form, "to": to},
    )


@sensitive_post_parameters("reason")
@require_http_methods(["GET", "POST"])
def mentorship_phase(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator moves the phase by hand, with the reason."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_steer_ongoing_mentorship(user, mentorship))
    form = PhaseForm(request.POST or None, initial={"version": mentorship.version})
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.phase_set(
                actor=user,
                mentorship=mentorship,
                version=form.cleaned_data["version"],
                to=form.cleaned_data["phase"],
                reason=form.cleaned_data["reason"],
            ),
            then=reverse("mentorship_detail", args=[mentorship.pk]),
            said=lambda moved: (
                _("The phase is now: %(phase)s.") % {"phase": moved.get_phase_display()}
            ),
            stale=str(STALE),
        )
        if done is not None:
            return done
    selectors.mentorship_form_shown(user, mentorship, ["mentee", "phase"])
    return render(request, "mentorships/phase.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def mentorship_reallocate(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the mentorship to another ready mentor, keeping its history."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_change_open_mentorship(user, mentorship))
    eligible = [m.pk for m in services.reallocation_candidates(mentorship)]
    form = ReallocateForm(
        request.POST or None,
        initial={"version": mentorship.version},
        mentors=access.mentors_visible_to(user).filter(pk__in=eligible),
    )
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.mentorship_reallocate(
                actor=user,
                mentorship=mentorship,
                version=form.cleaned_data["version"],
                mentor=form.cleaned_data["mentor"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            ),
            then=reverse("mentorship_detail", args=[mentorship.pk]),
            said=lambda reallocated: (
                _("%(mentor)s is now the mentor. The history stays with the mentorship.")
                % {"mentor": reallocated.mentor}
            ),
            stale=str(STALE),
        )
        if done is not None:
            return done
    selectors.mentorship_form_shown(user, mentorship, ["mentee", "mentor"])
    selectors.mentors_offered(user, mentorship, eligible, "to reallocate")
    return render(request, "mentorships/reallocate.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("reason")
@require_http_methods(["GET", "POST"])
def mentorship_coach(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the supervision to another coach."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_change_open_mentorship(user, mentorship))
    eligible = [m.pk for m in services.coach_candidates(mentorship)]
    form = CoachForm(
        request.POST or None,
        initial={"version": mentorship.version},
        coaches=access.mentors_visible_to(user).filter(pk__in=eligible),
    )
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.mentorship_change_coach(
                actor=user,
                mentorship=mentorship,
                version=form.cleaned_data["version"],
                coach=form.cleaned_data["coach"],
                reason=form.cleaned_data["reason"],
            ),
            then=reverse("mentorship_detail", args=[mentorship.pk]),
            said=lambda changed: (
                _("%(coach)s now supervises the mentorship.") % {"coach": changed.coach}
            ),
            stale=str(STALE),
        )
        if done is not None:
            return done
    selectors.mentorship_form_shown(user, mentorship, ["mentee", "mentor", "coach"])
    selectors.mentors_offered(user, mentorship, eligible, "to supervise")
    return render(request, "mentorships/coach.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("closure_reason")
@require_http_methods(["GET", "POST"])
def mentorship_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_change_open_mentorship(user, mentorship))
    started = mentorship.status != MentorshipStatus.PROPOSED
    form = CloseForm(request.POST or None, initial={"version": mentorship.version}, started=started)
    missing: list[str] = []
    if request.method == "POST" and form.is_valid():
        closure = form.closure()
        missing = services.closure_missing(mentorship, closure)
        if not missing:
            done = save_or_say_why(
                request,
                form,
                lambda: services.mentorship_close(
                    actor=user,
                    mentorship=mentorship,
                    version=form.cleaned_data["version"],
                    closure=closure,
                ),
                then=reverse("mentorship_list"),
                said=_(
                    "The mentorship is closed. Nobody follows the person any more: opening "
                    "the case again asks you why."
                ),
                stale=str(STALE),
            )
            if done is not None:
                return done
    selectors.mentorship_form_shown(user, mentorship, ["mentee", "status"])
    return render(
        request,
        "mentorships/close.html",
        {"mentorship": mentorship, "form": form, "missing": missing, "started": started},
    )


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def check_in_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_steer_ongoing_mentorship(user, mentorship))
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.check_in_record(
                actor=user,
                mentorship=mentorship,
                occurred_on=form.cleaned_data["occurred_on"],
                how=form.cleaned_data["how"],
                note=form.cleaned_data["note"],
            ),
            then=reverse("mentorship_detail", args=[mentorship.pk]),
            said=_("The check-in is recorded."),
        )
        if done is not None:
            return done
    selectors.record_mentees(user, [mentorship], ["name"], f"for mentorships.mentorship #{pk}")
    return render(
        request, "mentorships/check_in_form.html", {"mentorship": mentorship, "form": form}
    )
