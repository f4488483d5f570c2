from django.urls import path

from . import views

urlpatterns = [
    path("account/tokens/", views.token_list, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("api/clients/", views.client_list, name="api_clients"),
    path("api/clients/<int:pk>/revoke/", views.client_revoke, name="api_client_revoke"),
    path("api/clients/<int:pk>/rotate/", views.client_rotate, name="api_client_rotate"),
    path("api/clients/<int:pk>/confirm/", views.client_confirm, name="api_client_confirm"),
    path("api/", views.documentation, name="api_documentation"),
]
