from django.urls import path

from . import views

urlpatterns = [
    path("mentorships/<int:pk>/network/", views.network, name="network"),
    path("mentorships/<int:pk>/network/new/", views.member_create, name="network_member_create"),
    path(
        "mentorships/<int:pk>/network/<int:member_pk>/edit/",
        views.member_edit,
        name="network_member_edit",
    ),
    path(
        "mentorships/<int:pk>/network/<int:member_pk>/withdraw/",
        views.member_withdraw,
        name="network_member_withdraw",
    ),
    path(
        "mentorships/<int:pk>/involvement/new/",
        views.involvement_create,
        name="involvement_create",
    ),
]
