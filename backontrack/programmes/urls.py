from django.urls import path

from . import views

urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_form, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_form, name="programme_edit"),
    path("programmes/<int:pk>/settings/", views.programme_settings, name="programme_settings"),
    path("programmes/<int:pk>/members/new/", views.membership_create, name="membership_create"),
    path(
        "programmes/<int:pk>/members/<int:membership_id>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
]
