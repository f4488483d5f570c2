"""Recording a meeting and changing one."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from backontrack.accounts.models import User
from backontrack.core import access
from backontrack.core.saving import save_or_say_why

from .. import selectors, services
from ..forms import STALE, MeetingForm
from ..models import Meeting, Mentorship


@sensitive_post_parameters("facts", "assessment", "follow_up")
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    access.require(access.can_record_meetings(user, mentorship))
    form = MeetingForm(request.POST or None, goals=selectors.open_goals(user, mentorship))
    if request.method == "POST" and form.is_valid():
        try:
            done = save_or_say_why(
                request,
                form,
                lambda: services.meeting_record(
                    actor=user,
                    mentorship=mentorship,
                    data=form.meeting_data(),
                    goals=form.chosen_goals(),
                    second_on_the_day=form.second_on_the_day(),
                ),
                then=reverse("mentorship_detail", args=[mentorship.pk]),
                said=_("The meeting is recorded."),
                stale=str(STALE),
            )
        except services.SameDayMeeting as same_day:
            form.ask_about_second_meeting(same_day.meeting)
            selectors.same_day_meeting_shown(user, same_day.meeting)
        else:
            if done is not None:
                return done
    selectors.record_mentees(user, [mentorship], ["name"])
    return render(
        request, "mentorships/meeting_form.html", {"mentorship": mentorship, "form": form}
    )


@sensitive_post_parameters("facts", "assessment", "follow_up", "reason")
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentorship = access.mentorship_for(user, pk)
    meeting = selectors.meeting_to_edit(user, mentorship, meeting_pk, shown=request.method == "GET")
    late = services.needs_reason(meeting, user)
    goals = selectors.open_goals(user, mentorship) | access.goals_of(user, mentorship).filter(
        meetings=meeting
    )
    form = MeetingForm(request.POST or None, meeting=meeting, late=late, goals=goals.distinct())

    def latest() -> HttpResponse:
        # Show the latest version, so that the change can be made again on top of it.
        saved = selectors.meeting_to_edit(user, mentorship, meeting_pk, shown=True)
        again = MeetingForm(meeting=saved, late=late, goals=goals.distinct())
        return _meeting_form(request, user, mentorship, again, saved, late)

    if request.method == "POST" and form.is_valid():
        try:
            done = save_or_say_why(
                request,
                form,
                lambda: services.meeting_edit(
                    actor=user,
                    meeting=meeting,
                    version=form.cleaned_data["version"],
                    data=form.meeting_data(),
                    reason=form.cleaned_data.get("reason", ""),
                    goals=form.chosen_goals(),
                    second_on_the_day=form.second_on_the_day(),
                ),
                then=reverse("mentorship_detail", args=[mentorship.pk]),
                said=_("The meeting is changed."),
                stale_shows=latest,
            )
        except services.SameDayMeeting as same_day:
            form.ask_about_second_meeting(same_day.meeting)
            selectors.same_day_meeting_shown(user, same_day.meeting)
        else:
            if done is not None:
                return done
    return _meeting_form(request, user, mentorship, form, meeting, late)


def _meeting_form(
    request: HttpRequest,
    user: User,
    mentorship: Mentorship,
    form: MeetingForm,
    meeting: Meeting,
    late: bool,
) -> HttpResponse:
    selectors.record_mentees(user, [mentorship], ["name"])
    return render(
        request,
        "mentorships/meeting_form.html",
        {"mentorship": mentorship, "form": form, "meeting": meeting, "late": late},
    )
