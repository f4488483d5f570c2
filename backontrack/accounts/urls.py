from django.urls import path

from . import admin_views, approval_views, views

urlpatterns = [
    path("signin/", views.signin, name="signin"),
    path("signin/code/", views.signin_code, name="signin_code"),
    path("signin/enrol/", views.signin_enrol, name="signin_enrol"),
    path("signout/", views.signout, name="signout"),
    path("account/", views.account, name="account"),
    path("account/password/", views.password_change, name="password_change"),
    path(
        "account/recovery-codes/",
        views.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    path("signin/link/<str:token>/", views.signin_link, name="signin_link"),
    path("signin/link/", views.signin_link_continue, name="signin_link_continue"),
    path("approvals/", approval_views.approval_list, name="approval_list"),
    path("approvals/<int:pk>/", approval_views.approval_decide, name="approval_decide"),
    path("admin/users/", admin_views.user_list, name="user_list"),
    path("admin/users/new/", admin_views.user_create, name="user_create"),
    path("admin/users/<int:pk>/", admin_views.user_detail, name="user_detail"),
    path("admin/users/<int:pk>/edit/", admin_views.user_edit, name="user_edit"),
    path("admin/users/<int:pk>/<slug:action>/", admin_views.user_action, name="user_action"),
    path("admin/organisations/", admin_views.organisation_list, name="organisation_list"),
    path("admin/organisations/new/", admin_views.organisation_form, name="organisation_create"),
    path(
        "admin/organisations/<int:pk>/edit/",
        admin_views.organisation_form,
        name="organisation_edit",
    ),
    path("admin/institutions/", admin_views.institution_list, name="institution_list"),
    path("admin/institutions/new/", admin_views.institution_form, name="institution_create"),
    path(
        "admin/institutions/<int:pk>/edit/",
        admin_views.institution_form,
        name="institution_edit",
    ),
]
