from django.urls import path

from . import views

urlpatterns = [
    path("mentees/", views.mentee_list, name="mentee_list"),
    path("mentees/new/", views.mentee_create, name="mentee_create"),
    path("mentees/<int:pk>/", views.mentee_detail, name="mentee_detail"),
    path("mentees/<int:pk>/edit/", views.mentee_edit, name="mentee_edit"),
    path("mentees/<int:pk>/custody/new/", views.custody_event_create, name="custody_event_create"),
    path("mentees/<int:pk>/consent/new/", views.consent_create, name="consent_create"),
    path(
        "mentees/<int:pk>/consent/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
]
