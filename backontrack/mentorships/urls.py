from django.urls import path

from . import views

urlpatterns = [
    path("mentorships/", views.mentorship_list, name="mentorship_list"),
    path("mentorships/<int:pk>/", views.mentorship_detail, name="mentorship_detail"),
    path("mentorships/<int:pk>/activate/", views.mentorship_activate, name="mentorship_activate"),
    path("mentorships/<int:pk>/status/<str:to>/", views.mentorship_move, name="mentorship_move"),
    path("mentorships/<int:pk>/phase/", views.mentorship_phase, name="mentorship_phase"),
    path(
        "mentorships/<int:pk>/reallocate/",
        views.mentorship_reallocate,
        name="mentorship_reallocate",
    ),
    path("mentorships/<int:pk>/coach/", views.mentorship_coach, name="mentorship_coach"),
    path("mentorships/<int:pk>/close/", views.mentorship_close, name="mentorship_close"),
    path("mentorships/<int:pk>/timeline/", views.mentorship_timeline, name="mentorship_timeline"),
    path("mentorships/<int:pk>/check-ins/new/", views.check_in_create, name="check_in_create"),
    path("mentorships/<int:pk>/plan/", views.plan_edit, name="plan_edit"),
    path("mentorships/<int:pk>/re-entry/", views.reentry, name="reentry"),
    path(
        "mentorships/<int:pk>/re-entry/release/",
        views.reentry_release,
        name="reentry_release",
    ),
    path(
        "mentorships/<int:pk>/re-entry/<int:need_pk>/edit/",
        views.reentry_need_edit,
        name="reentry_need_edit",
    ),
    path("mentorships/<int:pk>/goals/new/", views.goal_create, name="goal_create"),
    path("mentorships/<int:pk>/goals/<int:goal_pk>/edit/", views.goal_edit, name="goal_edit"),
    path("mentorships/<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path(
        "mentorships/<int:pk>/meetings/<int:meeting_pk>/edit/",
        views.meeting_edit,
        name="meeting_edit",
    ),
]
