from django.urls import path

from . import views

urlpatterns = [
    path("disclosures/", views.disclosure_list, name="disclosure_list"),
    path("disclosures/inbox/", views.disclosure_inbox, name="disclosure_inbox"),
    path("disclosures/inbox/<int:pk>/", views.disclosure_received, name="disclosure_received"),
    path("disclosures/<int:pk>/", views.disclosure_detail, name="disclosure_detail"),
    path("disclosures/<int:pk>/decide/", views.disclosure_decide, name="disclosure_decide"),
    path("disclosures/<int:pk>/revoke/", views.disclosure_revoke, name="disclosure_revoke"),
    path("disclosures/<int:pk>/withdraw/", views.disclosure_withdraw, name="disclosure_withdraw"),
    path("mentees/<int:pk>/disclosures/", views.mentee_disclosures, name="mentee_disclosures"),
    path(
        "mentees/<int:pk>/disclosures/new/",
        views.disclosure_propose,
        name="disclosure_propose",
    ),
]
