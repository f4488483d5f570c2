from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("audit/people/", views.person_lookup, name="audit_person_lookup"),
    path("audit/people/<int:pk>/", views.audit_person, name="audit_person"),
    path("purpose/", views.purpose_state, name="purpose_state"),
]
