"""The re-entry plan: the release date, each domain's need, and what is not settled."""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from backontrack.core import access
from backontrack.core.saving import save_or_say_why

from .. import selectors, services
from ..forms import NeedForm, ReleaseForm
from ..models import ReentryNeed, ReentryPlan


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
    plan, needs = selectors.reentry_shown(user, mentorship)
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
        done = save_or_say_why(
            request,
            form,
            lambda: services.reentry_release_set(
                actor=user,
                mentorship=mentorship,
                plan=plan,
                version=form.cleaned_data["version"],
                release_date=form.cleaned_data["release_date"],
            ),
            then=reverse("reentry", args=[mentorship.pk]),
            said=_("The release date is changed; the due dates moved with it."),
        )
        if done is not None:
            return done
    selectors.record_mentees(user, [mentorship], ["name"])
    return render(
        request, "mentorships/reentry_release.html", {"mentorship": mentorship, "form": form}
    )


@sensitive_post_parameters("notes")
@require_http_methods(["GET", "POST"])
def reentry_need_edit(request: HttpRequest, pk: int, need_pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_edit_plan(user, mentorship))
    need = selectors.need_to_edit(user, mentorship, need_pk, shown=request.method == "GET")
    form = NeedForm(request.POST or None, need=need)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.reentry_need_update(
                actor=user,
                mentorship=mentorship,
                need=need,
                version=form.cleaned_data["version"],
                data=form.need_data(),
            ),
            then=reverse("reentry", args=[mentorship.pk]),
            said=_("The change is saved."),
        )
        if done is not None:
            return done
    selectors.record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "mentorships/reentry_need.html",
        {"mentorship": mentorship, "form": form, "need": need},
    )
