from django.urls import path

from . import views

urlpatterns = [
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/new/", views.supervision_create, name="supervision_create"),
    path("supervision/overview/", views.supervision_overview, name="supervision_overview"),
    path("supervision/<int:pk>/", views.supervision_detail, name="supervision_detail"),
    path("supervision/<int:pk>/correct/", views.supervision_correct, name="supervision_correct"),
    path("supervision/<int:pk>/confirm/", views.supervision_confirm, name="supervision_confirm"),
    path("supervision/actions/<int:pk>/done/", views.action_done, name="supervision_action_done"),
    path(
        "supervision/mentors/<int:pk>/wellbeing/",
        views.supervision_wellbeing,
        name="supervision_wellbeing",
    ),
]
