from django.urls import path

from .views import lifecycle, meetings, plan, reentry, timeline

urlpatterns = [
    path("mentorships/", lifecycle.mentorship_list, name="mentorship_list"),
    path("mentorships/<int:pk>/", lifecycle.mentorship_detail, name="mentorship_detail"),
    path(
        "mentorships/<int:pk>/activate/", lifecycle.mentorship_activate, name="mentorship_activate"
    ),
    path(
        "mentorships/<int:pk>/status/<str:to>/", lifecycle.mentorship_move, name="mentorship_move"
    ),
    path("mentorships/<int:pk>/phase/", lifecycle.mentorship_phase, name="mentorship_phase"),
    path(
        "mentorships/<int:pk>/reallocate/",
        lifecycle.mentorship_reallocate,
        name="mentorship_reallocate",
    ),
    path("mentorships/<int:pk>/coach/", lifecycle.mentorship_coach, name="mentorship_coach"),
    path("mentorships/<int:pk>/close/", lifecycle.mentorship_close, name="mentorship_close"),
    path(
        "mentorships/<int:pk>/timeline/", timeline.mentorship_timeline, name="mentorship_timeline"
    ),
    path("mentorships/<int:pk>/check-ins/new/", lifecycle.check_in_create, name="check_in_create"),
    path("mentorships/<int:pk>/plan/", plan.plan_edit, name="plan_edit"),
    path("mentorships/<int:pk>/re-entry/", reentry.reentry, name="reentry"),
    path(
        "mentorships/<int:pk>/re-entry/release/",
        reentry.reentry_release,
        name="reentry_release",
    ),
    path(
        "mentorships/<int:pk>/re-entry/<int:need_pk>/edit/",
        reentry.reentry_need_edit,
        name="reentry_need_edit",
    ),
    path("mentorships/<int:pk>/goals/new/", plan.goal_create, name="goal_create"),
    path("mentorships/<int:pk>/goals/<int:goal_pk>/edit/", plan.goal_edit, name="goal_edit"),
    path("mentorships/<int:pk>/meetings/new/", meetings.meeting_create, name="meeting_create"),
    path(
        "mentorships/<int:pk>/meetings/<int:meeting_pk>/edit/",
        meetings.meeting_edit,
        name="meeting_edit",
    ),
]
