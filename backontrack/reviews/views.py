"""Progress reviews of a mentorship: what is due, each item's trajectory, and a new review."""

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
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
from .forms import ReviewForm
from .models import Occasion, Review


def _release(mentorship: Any) -> date | None:
    plan = getattr(mentorship, "reentry_plan", None)
    return getattr(plan, "release_date", None) or mentorship.mentee.expected_release_date


def trajectory(reviews: list[Review]) -> list[dict[str, Any]]:
    """Each item of the latest review's instrument (the newest version used), with its rating
    in each review of that instrument (empty where not rated, "unknown" where unknown) and
    which way it went from the first known rating to the last: better, worse or the same
    (lower is better for a risk)."""
    if not reviews:
        return []
    code = reviews[-1].instrument.code
    reviews = [r for r in reviews if r.instrument.code == code]
    instrument = max((r.instrument for r in reviews), key=lambda i: i.version)
    labels = dict(instrument.scale())
    rows = []
    for item in instrument.items():
        cells = []
        known = []
        for review in reviews:
            rating = next((r for r in review.ratings.all() if r.item_code == item["code"]), None)
            if rating is None:
                cells.append(("", ""))
            elif rating.value is None:
                cells.append((_("Unknown"), rating.evidence))
            else:
                cells.append((labels.get(rating.value, str(rating.value)), rating.evidence))
                known.append(rating.value)
        trend = ""
        if len(known) >= 2 and known[0] != known[-1]:
            up = known[-1] > known[0]
            trend = _("better") if up == (item["kind"] == "protective") else _("worse")
        elif len(known) >= 2:
            trend = _("the same")
        rows.append({"item": item, "cells": cells, "trend": trend})
    return rows


@require_GET
def reviews(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.reviews_page(user, pk)
    mentorship = shown.mentorship
    due = services.due(mentorship, shown.every, _release(mentorship), timezone.localdate())
    return render(
        request,
        "reviews/reviews.html",
        {
            "mentorship": mentorship,
            "reviews": shown.shown,
            "earlier": len(shown.every) - len(shown.shown),
            "rows": trajectory(shown.shown),
            "due": [Occasion(o).label for o in due],
            "can_record": access.can_record_reviews(user, mentorship),
        },
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_record_reviews(user, mentorship))
    instruments = services.current_instruments(user)
    if not instruments:
        raise Http404
    chosen = request.GET.get("instrument") or request.POST.get("instrument")
    instrument = next((i for i in instruments if str(i.pk) == chosen), instruments[0])
    every = list(access.reviews_of(user, mentorship))
    due = services.due(mentorship, every, _release(mentorship), timezone.localdate())
    form = ReviewForm(
        request.POST or None,
        instrument=instrument,
        initial={"occasion": due[0] if due else Occasion.PERIODIC},
    )
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.review_record(
                actor=user,
                mentorship=mentorship,
                instrument=instrument,
                occasion=form.cleaned_data["occasion"],
                held_on=form.cleaned_data["held_on"],
                ratings=form.ratings(),
                summary=form.cleaned_data["summary"],
            ),
            then=reverse("reviews", args=[mentorship.pk]),
            said=_("The review is recorded."),
        )
        if done is not None:
            return done
    record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "reviews/review_form.html",
        {
            "mentorship": mentorship,
            "form": form,
            "instrument": instrument,
            "instruments": instruments,
        },
    )
