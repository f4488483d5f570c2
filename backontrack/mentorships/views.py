"""Mentorships: the list, one mentorship's page, activation, pause and resume, meetings."""

from collections.abc import Callable
from datetime import date, datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.accounts.models import Role
from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, form_tokens
from backontrack.core.concurrency import ConcurrentEditError

from . import services
from .alerts import visible_alerts
from .forms import (
    ActivationForm,
    CheckInForm,
    CloseForm,
    CoachForm,
    GoalForm,
    MeetingForm,
    MentorshipFilterForm,
    NeedForm,
    PhaseForm,
    PlanForm,
    ReallocateForm,
    ReasonForm,
    ReleaseForm,
    TimelineFilterForm,
)
from .models import (
    OPEN_MENTORSHIP_STATUSES,
    CheckIn,
    Goal,
    GoalStatus,
    Meeting,
    Mentorship,
    MentorshipStatus,
    ReentryNeed,
    ReentryPlan,
)
from .selectors import PERSON, is_quiet, record_mentees, with_last_meeting

PAGE_SIZE = 25
MEETINGS_PER_PAGE = 20
MENTORSHIP = Mentorship._meta.label_lower
STALE = _("Someone else changed this mentorship meanwhile. Check it and try again.")


def _apply(
    request: HttpRequest,
    mentorship: Mentorship,
    form: forms.Form,
    write: Callable[[], object],
    success: Callable[[], str],
    then: str = "",
) -> HttpResponse | None:
    """Run a coordinator's write: on success say so and return to the mentorship (or to
    `then`); when someone else changed it meanwhile say so and return; when refused, put
    the reason on the form (None: render the form again)."""
    done = redirect(then or reverse("mentorship_detail", args=[mentorship.pk]))
    try:
        with form_tokens.spend(form, actor=request.user) as spending:
            write()
            spending.made(done.url)
    except form_tokens.AlreadySubmitted as submitted:
        return form_tokens.already_submitted(request, submitted)
    except ConcurrentEditError:
        messages.error(request, str(STALE))
    except services.Refused as refused:
        form.add_error(None, str(refused))
        return None
    else:
        messages.success(request, success())
    return done


def _open_goals(user: object, mentorship: Mentorship) -> QuerySet[Goal]:
    return access.goals_of(user, mentorship).filter(status=GoalStatus.ACTIVE)


@require_GET
def mentorship_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorships = access.mentorships_visible_to(user)
    access.require(
        access.has_role(user, Role.COORDINATOR) or access.own_mentor_profile(user) is not None
    )
    form = MentorshipFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    used = []
    if status := data.get("status"):
        if status == MentorshipStatus.CLOSED:
            access.closed_mentorships_listed()
        mentorships = mentorships.filter(status=status)
        used.append("status")
    else:
        mentorships = mentorships.filter(status__in=OPEN_MENTORSHIP_STATUSES)
    if phase := data.get("phase"):
        mentorships = mentorships.filter(phase=phase)
        used.append("phase")
    mentorships = with_last_meeting(
        mentorships.select_related("mentee", "mentee__institution", "mentor", "coach")
    ).order_by("mentee__last_name", "mentee__first_name", "id")
    page = Paginator(mentorships, PAGE_SIZE).get_page(request.GET.get("page"))
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=MENTORSHIP,
        object_ids=[m.pk for m in page.object_list],
        fields=[*used, "mentee", "mentor", "coach", "status", "phase", "last_meeting"],
    )
    record_mentees(user, page.object_list, ["name", "institution"], "mentorship list")
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "mentorships/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(m, is_quiet(m)) for m in page.object_list],
            "querystring": params.urlencode(),
        },
    )


@require_GET
def mentorship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    meetings = Paginator(access.meetings_of(user, mentorship), MEETINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    manage = access.can_manage_mentorship(user, mentorship)
    record(
        actor=user,
        action=Action.VIEW,
        obj=mentorship,
        fields=["mentee", "mentor", "coach", "status", "phase", "agreement", "history"],
    )
    record_mentees(user, [mentorship], [*PERSON, "languages"], f"mentorship #{mentorship.pk}")
    check_ins = list(access.check_ins_of(user, mentorship))
    plan = access.plan_of(user, mentorship)
    goals = list(access.goals_of(user, mentorship))
    if plan is not None or goals:
        record(
            actor=user,
            action=Action.VIEW,
            object_type=Goal._meta.label_lower,
            object_ids=[g.pk for g in goals],
            fields=["title", "steps", "progress", "status", "custody_constraints"],
            detail=f"plan of mentorships.mentorship #{mentorship.pk}",
        )
    if check_ins:
        record(
            actor=user,
            action=Action.LIST,
            object_type=CheckIn._meta.label_lower,
            object_ids=[c.pk for c in check_ins],
            fields=["occurred_on", "how", "note"],
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    if meetings.object_list:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Meeting._meta.label_lower,
            object_ids=[m.pk for m in meetings.object_list],
            fields=["facts", "assessment", "follow_up", "engagement", "topics"],
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    return render(
        request,
        "mentorships/detail.html",
        {
            "mentorship": mentorship,
            "record_opens": access.can_open_mentee_record(user, mentorship.mentee_id),
            "meetings": meetings,
            "querystring": "",
            "changes": list(mentorship.changes.select_related("actor")),
            "alerts": visible_alerts(user, access.mentorships_visible_to(user).filter(pk=pk)),
            "check_ins": check_ins,
            "plan": plan,
            "goals": goals,
            "can_edit_plan": access.can_edit_plan(user, mentorship),
            "can_check_in": manage and mentorship.status in services.ONGOING,
            "can_activate": manage and mentorship.status == MentorshipStatus.PROPOSED,
            "pause_to": services.PAUSE_MOVES.get(mentorship.status) if manage else None,
            "can_record": access.can_record_meetings(user, mentorship),
            "editable": access.editable_meetings(user, mentorship, meetings.object_list),
            "can_manage_open": manage and mentorship.status != MentorshipStatus.CLOSED,
            "is_mentor": access.is_mentor_of(user, mentorship),
            "coach_reasons": access.can_see_coach_change_reasons(user, mentorship),
            "mentor_reasons": access.can_see_reallocation_reasons(user, mentorship),
        },
    )


@sensitive_post_parameters("roles_agreed", "safety_rules")
@require_http_methods(["GET", "POST"])
def mentorship_activate(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(
        access.can_manage_mentorship(user, mentorship)
        and mentorship.status == MentorshipStatus.PROPOSED
    )
    form = ActivationForm(request.POST or None, initial={"version": mentorship.version})
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            done := _apply(
                request,
                mentorship,
                form,
                lambda: services.mentorship_activate(
                    actor=user,
                    mentorship=mentorship,
                    version=form.cleaned_data["version"],
                    agreement=form.agreement(),
                ),
                lambda: (
                    _("The mentorship is active, in the phase: %(phase)s.")
                    % {"phase": mentorship.get_phase_display()}
                ),
            )
        )
    ):
        return done
    record(actor=user, action=Action.VIEW, obj=mentorship, fields=["mentee", "mentor", "status"])
    record_mentees(user, [mentorship], ["name"])
    return render(request, "mentorships/activate.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("reason")
@require_http_methods(["GET", "POST"])
def mentorship_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    """Pause an active mentorship, or resume a paused one, with the reason."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(
        access.can_manage_mentorship(user, mentorship)
        and services.PAUSE_MOVES.get(mentorship.status) == to
    )
    form = ReasonForm(request.POST or None, initial={"version": mentorship.version})
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            done := _apply(
                request,
                mentorship,
                form,
                lambda: services.mentorship_pause_or_resume(
                    actor=user,
                    mentorship=mentorship,
                    version=form.cleaned_data["version"],
                    to_status=to,
                    reason=form.cleaned_data["reason"],
                ),
                lambda: (
                    _("The mentorship is now: %(status)s.") % {"status": MentorshipStatus(to).label}
                ),
            )
        )
    ):
        return done
    record(actor=user, action=Action.VIEW, obj=mentorship, fields=["mentee", "status"])
    record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "mentorships/move.html",
        {"mentorship": mentorship, "form": form, "to": to},
    )


@sensitive_post_parameters("facts", "assessment", "follow_up")
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_record_meetings(user, mentorship))
    form = MeetingForm(request.POST or None, goals=_open_goals(user, mentorship))
    if request.method == "POST" and form.is_valid():
        try:
            done = _apply(
                request,
                mentorship,
                form,
                lambda: services.meeting_record(
                    actor=user,
                    mentorship=mentorship,
                    data=form.meeting_data(),
                    goals=form.chosen_goals(),
                    second_on_the_day=form.second_on_the_day(),
                ),
                lambda: _("The meeting is recorded."),
            )
        except services.SameDayMeeting as same_day:
            form.ask_about_second_meeting(same_day.meeting)
            record(
                actor=user,
                action=Action.VIEW,
                obj=same_day.meeting,
                fields=["occurred_on", "kind", "recorded_by"],
            )
        else:
            if done is not None:
                return done
    record_mentees(user, [mentorship], ["name"])
    return render(
        request, "mentorships/meeting_form.html", {"mentorship": mentorship, "form": form}
    )


@sensitive_post_parameters("facts", "assessment", "follow_up", "reason")
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    meeting = access.meeting_for(user, mentorship, meeting_pk)
    access.require(access.can_edit_meeting(user, meeting))
    late = services.needs_reason(meeting, user)
    goals = _open_goals(user, mentorship) | access.goals_of(user, mentorship).filter(
        meetings=meeting
    )
    form = MeetingForm(request.POST or None, meeting=meeting, late=late, goals=goals.distinct())
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_edit(
                actor=user,
                meeting=meeting,
                version=form.cleaned_data["version"],
                data=form.meeting_data(),
                reason=form.cleaned_data.get("reason", ""),
                goals=form.chosen_goals(),
            )
        except ConcurrentEditError:
            # Show the latest version, so that the change can be made again on top of it.
            meeting = access.meeting_for(user, mentorship, meeting_pk)
            form = MeetingForm(meeting=meeting, late=late, goals=goals.distinct())
            messages.error(request, str(MeetingForm.concurrent_edit_message))
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The meeting is changed."))
            return redirect("mentorship_detail", pk=mentorship.pk)
    if request.method == "GET":
        record(
            actor=user,
            action=Action.VIEW,
            obj=meeting,
            fields=["facts", "assessment", "follow_up", "engagement", "topics"],
        )
    record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "mentorships/meeting_form.html",
        {"mentorship": mentorship, "form": form, "meeting": meeting, "late": late},
    )


@sensitive_post_parameters("reason")
@require_http_methods(["GET", "POST"])
def mentorship_phase(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator moves the phase by hand, with the reason."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(
        access.can_manage_mentorship(user, mentorship) and mentorship.status in services.ONGOING
    )
    form = PhaseForm(request.POST or None, initial={"version": mentorship.version})
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            done := _apply(
                request,
                mentorship,
                form,
                lambda: services.phase_set(
                    actor=user,
                    mentorship=mentorship,
                    version=form.cleaned_data["version"],
                    to=form.cleaned_data["phase"],
                    reason=form.cleaned_data["reason"],
                ),
                lambda: (
                    _("The phase is now: %(phase)s.") % {"phase": mentorship.get_phase_display()}
                ),
            )
        )
    ):
        return done
    record(actor=user, action=Action.VIEW, obj=mentorship, fields=["mentee", "phase"])
    record_mentees(user, [mentorship], ["name"])
    return render(request, "mentorships/phase.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def mentorship_reallocate(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the mentorship to another ready mentor, keeping its history."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(
        access.can_manage_mentorship(user, mentorship)
        and mentorship.status != MentorshipStatus.CLOSED
    )
    eligible = [m.pk for m in services.reallocation_candidates(mentorship)]
    form = ReallocateForm(
        request.POST or None,
        initial={"version": mentorship.version},
        mentors=access.mentors_visible_to(user).filter(pk__in=eligible),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            done := _apply(
                request,
                mentorship,
                form,
                lambda: services.mentorship_reallocate(
                    actor=user,
                    mentorship=mentorship,
                    version=form.cleaned_data["version"],
                    mentor=form.cleaned_data["mentor"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                ),
                lambda: (
                    _("%(mentor)s is now the mentor. The history stays with the mentorship.")
                    % {"mentor": mentorship.mentor}
                ),
            )
        )
    ):
        return done
    record(actor=user, action=Action.VIEW, obj=mentorship, fields=["mentee", "mentor"])
    record_mentees(user, [mentorship], ["name"])
    record(
        actor=user,
        action=Action.LIST,
        object_type="mentors.mentor",
        object_ids=eligible,
        fields=["name", "readiness"],
        detail=f"to reallocate mentorships.mentorship #{mentorship.pk}",
    )
    return render(request, "mentorships/reallocate.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("reason")
@require_http_methods(["GET", "POST"])
def mentorship_coach(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the supervision to another coach."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(
        access.can_manage_mentorship(user, mentorship)
        and mentorship.status != MentorshipStatus.CLOSED
    )
    eligible = [m.pk for m in services.coach_candidates(mentorship)]
    form = CoachForm(
        request.POST or None,
        initial={"version": mentorship.version},
        coaches=access.mentors_visible_to(user).filter(pk__in=eligible),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            done := _apply(
                request,
                mentorship,
                form,
                lambda: services.mentorship_change_coach(
                    actor=user,
                    mentorship=mentorship,
                    version=form.cleaned_data["version"],
                    coach=form.cleaned_data["coach"],
                    reason=form.cleaned_data["reason"],
                ),
                lambda: _("%(coach)s now supervises the mentorship.") % {"coach": mentorship.coach},
            )
        )
    ):
        return done
    record(actor=user, action=Action.VIEW, obj=mentorship, fields=["mentee", "mentor", "coach"])
    record_mentees(user, [mentorship], ["name"])
    record(
        actor=user,
        action=Action.LIST,
        object_type="mentors.mentor",
        object_ids=eligible,
        fields=["name", "readiness"],
        detail=f"to supervise mentorships.mentorship #{mentorship.pk}",
    )
    return render(request, "mentorships/coach.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("closure_reason")
@require_http_methods(["GET", "POST"])
def mentorship_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(
        access.can_manage_mentorship(user, mentorship)
        and mentorship.status != MentorshipStatus.CLOSED
    )
    started = mentorship.status != MentorshipStatus.PROPOSED
    form = CloseForm(request.POST or None, initial={"version": mentorship.version}, started=started)
    missing: list[str] = []
    if request.method == "POST" and form.is_valid():
        closure = form.closure()
        missing = services.closure_missing(mentorship, closure)
        if not missing and (
            done := _apply(
                request,
                mentorship,
                form,
                lambda: services.mentorship_close(
                    actor=user,
                    mentorship=mentorship,
                    version=form.cleaned_data["version"],
                    closure=closure,
                ),
                lambda: _(
                    "The mentorship is closed. Nobody follows the person any more: opening "
                    "the case again asks you why."
                ),
                then=reverse("mentorship_list"),
            )
        ):
            return done
    record(actor=user, action=Action.VIEW, obj=mentorship, fields=["mentee", "status"])
    record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "mentorships/close.html",
        {"mentorship": mentorship, "form": form, "missing": missing, "started": started},
    )


@require_GET
def mentorship_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything that happened in the mentorship, newest first, filterable by kind."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    form = TimelineFilterForm(request.GET or None)
    if not access.can_manage_mentorship(user, mentorship):
        # Check-ins are the coordinator's: nobody else is offered a filter that shows none.
        kinds = form.fields["kind"]
        kinds.choices = [c for c in kinds.choices if c[0] != "check_in"]  # type: ignore[attr-defined]
    kind = form.cleaned_data.get("kind", "") if form.is_valid() else ""
    entries: list[tuple[date, int, str, object]] = []
    if kind in ("", "meeting"):
        entries += [
            (m.occurred_on, m.pk, "meeting", m) for m in access.meetings_of(user, mentorship)
        ]
    if kind in ("", "phase", "status", "plan"):
        for change in mentorship.changes.select_related("actor"):
            group = {"phase": "phase", "plan": "plan", "goal": "plan", "reentry": "plan"}.get(
                change.kind, "status"
            )
            if kind in ("", group):
                entries.append((timezone.localdate(change.occurred_at), change.pk, group, change))
    if kind in ("", "network"):
        entries += [
            (i.occurred_on, i.pk, "network", i) for i in access.involvements_of(user, mentorship)
        ]
    if kind in ("", "review"):
        entries += [
            (r.held_on, r.pk, "review", r)
            for r in access.reviews_of(user, mentorship).prefetch_related(None)
        ]
    if kind in ("", "check_in"):
        entries += [
            (c.occurred_on, c.pk, "check_in", c) for c in access.check_ins_of(user, mentorship)
        ]
    if kind in ("", "custody"):
        entries += [
            (e.occurred_on, e.pk, "custody", e)
            for e in access.custody_events_for_mentorship(user, mentorship)
        ]
    # Newest day first; within a day, in the order things were recorded (a custody event
    # before the phase move it caused).
    entries.sort(key=lambda entry: (entry[0], _recorded(entry[3]), entry[1]), reverse=True)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    record(
        actor=user,
        action=Action.VIEW,
        obj=mentorship,
        fields=["timeline", *([kind] if kind else [])],
    )
    record_mentees(user, [mentorship], PERSON, f"timeline of mentorship #{mentorship.pk}")
    custody = [entry[1] for entry in page.object_list if entry[2] == "custody"]
    if custody:
        record(
            actor=user,
            action=Action.LIST,
            object_type="mentees.custodyevent",
            object_ids=custody,
            fields=["kind", "occurred_on", "institution"],
            detail=f"timeline of mentorships.mentorship #{mentorship.pk}",
        )
    involvements = [entry[1] for entry in page.object_list if entry[2] == "network"]
    if involvements:
        record(
            actor=user,
            action=Action.LIST,
            object_type="network.involvement",
            object_ids=involvements,
            fields=["member", "kind", "occurred_on", "note"],
            detail=f"timeline of mentorships.mentorship #{mentorship.pk}",
        )
    reviews = [entry[1] for entry in page.object_list if entry[2] == "review"]
    if reviews:
        record(
            actor=user,
            action=Action.LIST,
            object_type="reviews.review",
            object_ids=reviews,
            fields=["occasion", "held_on", "instrument"],
            detail=f"timeline of mentorships.mentorship #{mentorship.pk}",
        )
    check_ins = [entry[1] for entry in page.object_list if entry[2] == "check_in"]
    if check_ins:
        record(
            actor=user,
            action=Action.LIST,
            object_type=CheckIn._meta.label_lower,
            object_ids=check_ins,
            fields=["occurred_on", "how", "note"],
            detail=f"timeline of mentorships.mentorship #{mentorship.pk}",
        )
    shown = [entry[3] for entry in page.object_list if entry[2] == "meeting"]
    if shown:
        record(
            actor=user,
            action=Action.LIST,
            object_type=Meeting._meta.label_lower,
            object_ids=[m.pk for m in shown],  # type: ignore[attr-defined]
            fields=["facts", "assessment", "topics"],
            detail=f"timeline of mentorships.mentorship #{mentorship.pk}",
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "mentorships/timeline.html",
        {
            "mentorship": mentorship,
            "form": form,
            "page": page,
            "querystring": params.urlencode(),
            "coach_reasons": access.can_see_coach_change_reasons(user, mentorship),
            "mentor_reasons": access.can_see_reallocation_reasons(user, mentorship),
        },
    )


def _recorded(item: object) -> datetime:
    """When a timeline entry was written: a change's time, or the record's."""
    return getattr(item, "occurred_at", None) or item.recorded_at  # type: ignore[attr-defined]


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def check_in_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(
        access.can_manage_mentorship(user, mentorship) and mentorship.status in services.ONGOING
    )
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = redirect("mentorship_detail", pk=mentorship.pk)
        try:
            with form_tokens.spend(form, actor=user) as spending:
                services.check_in_record(
                    actor=user,
                    mentorship=mentorship,
                    occurred_on=form.cleaned_data["occurred_on"],
                    how=form.cleaned_data["how"],
                    note=form.cleaned_data["note"],
                )
                spending.made(done.url)
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The check-in is recorded."))
            return done
    record_mentees(user, [mentorship], ["name"], f"for mentorships.mentorship #{pk}")
    return render(
        request, "mentorships/check_in_form.html", {"mentorship": mentorship, "form": form}
    )


@sensitive_post_parameters("custody_constraints")
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_plan(user, mentorship))
    plan = access.plan_of(user, mentorship)
    form = PlanForm(
        request.POST or None,
        initial={
            "version": plan.version if plan else None,
            "custody_constraints": plan.custody_constraints if plan else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_save(
                actor=user,
                mentorship=mentorship,
                version=form.cleaned_data["version"],
                custody_constraints=form.cleaned_data["custody_constraints"],
            )
        except ConcurrentEditError:
            plan = access.plan_of(user, mentorship)
            form = PlanForm(
                initial={
                    "version": plan.version if plan else None,
                    "custody_constraints": plan.custody_constraints if plan else "",
                }
            )
            messages.error(request, str(PlanForm.concurrent_edit_message))
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("mentorship_detail", pk=mentorship.pk)
    if plan is not None and request.method == "GET":
        record(actor=user, action=Action.VIEW, obj=plan, fields=["custody_constraints"])
    record_mentees(user, [mentorship], ["name"])
    return render(request, "mentorships/plan_form.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("title", "steps", "outcome_reason")
@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_plan(user, mentorship))
    form = GoalForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            done := _apply(
                request,
                mentorship,
                form,
                lambda: services.goal_create(
                    actor=user, mentorship=mentorship, data=form.goal_data()
                ),
                lambda: _("The goal is added to the plan."),
            )
        )
    ):
        return done
    record_mentees(user, [mentorship], ["name"])
    return render(request, "mentorships/goal_form.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("title", "steps", "outcome_reason")
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_plan(user, mentorship))
    goal = access.goal_for(user, mentorship, goal_pk)
    form = GoalForm(request.POST or None, goal=goal)
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            done := _apply(
                request,
                mentorship,
                form,
                lambda: services.goal_update(
                    actor=user,
                    goal=goal,
                    version=form.cleaned_data["version"],
                    data=form.goal_data(),
                ),
                lambda: _("The goal is saved."),
            )
        )
    ):
        return done
    if request.method == "GET":
        record(
            actor=user, action=Action.VIEW, obj=goal, fields=["title", "steps", "outcome_reason"]
        )
    record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "mentorships/goal_form.html",
        {"mentorship": mentorship, "form": form, "goal": goal},
    )


def reentry_summary(plan: ReentryPlan | None, needs: list[ReentryNeed], today: date) -> dict:
    """Days to release and what is not yet settled, the overdue first."""
    release = plan.release_date if plan else None
    open_needs = [n for n in needs if not n.settled]
    due = [(n, n.due_on(release)) for n in open_needs]
    return {
        "release": release,
        "days": (release - today).days if release else None,
        "open": sorted(
            ((n, on, on is not None and on < today) for n, on in due),
            key=lambda item: (not item[2], item[1] or date.max),
        ),
        "rows": [(n, n.due_on(release)) for n in needs],
    }


@require_http_methods(["GET", "POST"])
def reentry(request: HttpRequest, pk: int) -> HttpResponse:
    """The re-entry plan: the release date, each domain's need, and what is not settled.
    A POST starts the plan by hand."""
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    can_edit = access.can_edit_plan(user, mentorship)
    if request.method == "POST":
        access.require(can_edit)
        try:
            services.reentry_plan_create(actor=user, mentorship=mentorship)
        except services.Refused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The re-entry plan is made, with a line per domain."))
        return redirect("reentry", pk=mentorship.pk)
    plan = access.reentry_plan_of(user, mentorship)
    needs = list(access.reentry_needs_of(user, mentorship))
    record_mentees(user, [mentorship], PERSON, f"re-entry plan of mentorship #{mentorship.pk}")
    if plan is not None:
        record(
            actor=user,
            action=Action.VIEW,
            obj=plan,
            fields=["release_date", "needs", "notes"],
            detail=f"of mentorships.mentorship #{mentorship.pk}",
        )
    return render(
        request,
        "mentorships/reentry.html",
        {
            "mentorship": mentorship,
            "plan": plan,
            "summary": reentry_summary(plan, needs, timezone.localdate()),
            "can_edit": can_edit,
        },
    )


@require_http_methods(["GET", "POST"])
def reentry_release(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_plan(user, mentorship))
    plan = access.reentry_plan_of(user, mentorship)
    if plan is None:
        raise Http404
    form = ReleaseForm(
        request.POST or None,
        initial={"release_date": plan.release_date, "version": plan.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reentry_release_set(
                actor=user,
                mentorship=mentorship,
                plan=plan,
                version=form.cleaned_data["version"],
                release_date=form.cleaned_data["release_date"],
            )
        except ConcurrentEditError:
            messages.error(request, str(ReleaseForm.concurrent_edit_message))
        except services.Refused as refused:
            form.add_error(None, str(refused))
            return render(
                request,
                "mentorships/reentry_release.html",
                {"mentorship": mentorship, "form": form},
            )
        else:
            messages.success(
                request, _("The release date is changed; the due dates moved with it.")
            )
        return redirect("reentry", pk=mentorship.pk)
    record_mentees(user, [mentorship], ["name"])
    return render(
        request, "mentorships/reentry_release.html", {"mentorship": mentorship, "form": form}
    )


@sensitive_post_parameters("notes")
@require_http_methods(["GET", "POST"])
def reentry_need_edit(request: HttpRequest, pk: int, need_pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_plan(user, mentorship))
    need = access.reentry_need_for(user, mentorship, need_pk)
    form = NeedForm(request.POST or None, need=need)
    if request.method == "POST" and form.is_valid():
        try:
            services.reentry_need_update(
                actor=user,
                mentorship=mentorship,
                need=need,
                version=form.cleaned_data["version"],
                data=form.need_data(),
            )
        except ConcurrentEditError:
            messages.error(request, str(NeedForm.concurrent_edit_message))
        except services.Refused as refused:
            form.add_error(None, str(refused))
            return render(
                request,
                "mentorships/reentry_need.html",
                {"mentorship": mentorship, "form": form, "need": need},
            )
        else:
            messages.success(request, _("The change is saved."))
        return redirect("reentry", pk=mentorship.pk)
    if request.method == "GET":
        record(actor=user, action=Action.VIEW, obj=need, fields=["status", "owner", "notes"])
    record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "mentorships/reentry_need.html",
        {"mentorship": mentorship, "form": form, "need": need},
    )
