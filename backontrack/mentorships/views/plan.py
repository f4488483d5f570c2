"""The plan's custody constraints and its goals."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from backontrack.core import access
from backontrack.core.saving import save_or_say_why

from .. import selectors, services
from ..forms import STALE, GoalForm, PlanForm
from ..models import Mentorship, Plan


def _plan_initial(plan: Plan | None) -> dict[str, object]:
    return {
        "version": plan.version if plan else None,
        "custody_constraints": plan.custody_constraints if plan else "",
    }


@sensitive_post_parameters("custody_constraints")
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_plan(user, mentorship))
    plan = selectors.plan_to_edit(user, mentorship, shown=request.method == "GET")
    form = PlanForm(request.POST or None, initial=_plan_initial(plan))

    def latest() -> HttpResponse:
        saved = selectors.plan_to_edit(user, mentorship, shown=True)
        again = PlanForm(initial=_plan_initial(saved))
        return _plan_form(request, user, mentorship, again)

    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.plan_save(
                actor=user,
                mentorship=mentorship,
                version=form.cleaned_data["version"],
                custody_constraints=form.cleaned_data["custody_constraints"],
            ),
            then=reverse("mentorship_detail", args=[mentorship.pk]),
            said=_("The plan is saved."),
            stale_shows=latest,
        )
        if done is not None:
            return done
    return _plan_form(request, user, mentorship, form)


def _plan_form(
    request: HttpRequest, user: object, mentorship: Mentorship, form: PlanForm
) -> HttpResponse:
    selectors.record_mentees(user, [mentorship], ["name"])
    return render(request, "mentorships/plan_form.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("title", "steps", "outcome_reason")
@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_plan(user, mentorship))
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.goal_create(actor=user, mentorship=mentorship, data=form.goal_data()),
            then=reverse("mentorship_detail", args=[mentorship.pk]),
            said=_("The goal is added to the plan."),
            stale=str(STALE),
        )
        if done is not None:
            return done
    selectors.record_mentees(user, [mentorship], ["name"])
    return render(request, "mentorships/goal_form.html", {"mentorship": mentorship, "form": form})


@sensitive_post_parameters("title", "steps", "outcome_reason")
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_plan(user, mentorship))
    goal = selectors.goal_to_edit(user, mentorship, goal_pk, shown=request.method == "GET")
    form = GoalForm(request.POST or None, goal=goal)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.goal_update(
                actor=user,
                goal=goal,
                version=form.cleaned_data["version"],
                data=form.goal_data(),
            ),
            then=reverse("mentorship_detail", args=[mentorship.pk]),
            said=_("The goal is saved."),
            stale=str(STALE),
        )
        if done is not None:
            return done
    selectors.record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "mentorships/goal_form.html",
        {"mentorship": mentorship, "form": form, "goal": goal},
    )
