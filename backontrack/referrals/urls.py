from django.urls import path

from . import views

urlpatterns = [
    path("referrals/", views.referral_inbox, name="referral_inbox"),
    path("referrals/mine/", views.my_referrals, name="my_referrals"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/move/<slug:to>/", views.referral_move, name="referral_move"),
    path("referrals/<int:pk>/screen/", views.referral_screen, name="referral_screen"),
    path("referrals/<int:pk>/accept/", views.referral_accept, name="referral_accept"),
]
