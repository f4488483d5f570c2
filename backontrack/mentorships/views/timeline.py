"""Everything that happened in a mentorship, newest first."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from backontrack.core import access

from .. import selectors
from ..forms import TimelineFilterForm


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
    page = selectors.timeline(user, mentorship, kind, request.GET.get("page"))
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
