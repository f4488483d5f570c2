from django.urls import path

from . import views

urlpatterns = [
    path("mentorships/<int:pk>/concerns/new/", views.concern_create, name="concern_create"),
    path("concerns/", views.concern_list, name="concern_list"),
    path("concerns/<int:pk>/", views.concern_detail, name="concern_detail"),
    path("concerns/<int:pk>/triage/", views.concern_triage, name="concern_triage"),
    path("concerns/<int:pk>/escalate/", views.concern_escalate, name="concern_escalate"),
    path("concerns/<int:pk>/resolve/", views.concern_resolve, name="concern_resolve"),
    path("concerns/<int:pk>/close/", views.concern_close, name="concern_close"),
    path("concerns/<int:pk>/correct/", views.concern_correct, name="concern_correct"),
]
