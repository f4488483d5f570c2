from django.urls import path

from . import views

urlpatterns = [
    path("evaluation/", views.dashboard, name="evaluation_dashboard"),
    path("evaluation/data-set/", views.data_set, name="evaluation_data_set"),
    path("evaluation/figures/<slug:key>.csv", views.dashboard_csv, name="evaluation_csv"),
    path("evaluation/report/", views.report, name="evaluation_report"),
    path("evaluation/report/pdf/", views.report_pdf, name="evaluation_report_pdf"),
    path("evaluation/indicators/", views.indicator_list, name="indicator_list"),
    path("evaluation/indicators/new/", views.indicator_create, name="indicator_create"),
    path("evaluation/indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("evaluation/follow-ups/", views.follow_up_list, name="follow_up_list"),
    path(
        "evaluation/follow-ups/mentorships/<int:pk>/<int:months>/",
        views.follow_up_mentorship,
        name="follow_up_mentorship",
    ),
    path(
        "evaluation/follow-ups/referrals/<int:pk>/<int:months>/",
        views.follow_up_referral,
        name="follow_up_referral",
    ),
]
