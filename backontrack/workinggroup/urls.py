from django.urls import path

from . import views

urlpatterns = [
    path("working-group/", views.meeting_list, name="wg_meeting_list"),
    path("working-group/<int:pk>/meetings/new/", views.meeting_plan, name="wg_meeting_plan"),
    path("working-group/meetings/<int:pk>/", views.meeting_detail, name="wg_meeting_detail"),
    path("working-group/meetings/<int:pk>/agenda/", views.agenda_refresh, name="wg_agenda_refresh"),
    path("working-group/meetings/<int:pk>/matters/new/", views.matter_add, name="wg_matter_add"),
    path(
        "working-group/meetings/<int:pk>/approve/",
        views.minutes_approve,
        name="wg_minutes_approve",
    ),
    path("working-group/items/<int:pk>/", views.item_minutes, name="wg_item_minutes"),
    path("working-group/items/<int:pk>/actions/new/", views.action_add, name="wg_action_add"),
    path("working-group/actions/<int:pk>/", views.action_move, name="wg_action_move"),
]
