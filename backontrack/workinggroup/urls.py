from django.urls import path

from . import views

urlpatterns = [
    path("working-group/", views.meeting_list, name="wg_meeting_list"),
    path("working-group/groups/", views.group_list, name="wg_group_list"),
    path("working-group/groups/new/", views.group_create, name="wg_group_create"),
    path("working-group/groups/<int:pk>/", views.group_detail, name="wg_group_detail"),
    path("working-group/groups/<int:pk>/edit/", views.group_edit, name="wg_group_edit"),
    path("working-group/groups/<int:pk>/agencies/new/", views.agency_add, name="wg_agency_add"),
    path(
        "working-group/groups/<int:pk>/agencies/<int:agency_id>/remove/",
        views.agency_remove,
        name="wg_agency_remove",
    ),
    path("working-group/groups/<int:pk>/members/new/", views.member_add, name="wg_member_add"),
    path(
        "working-group/groups/<int:pk>/members/<int:user_id>/remove/",
        views.member_remove,
        name="wg_member_remove",
    ),
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
