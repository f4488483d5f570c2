from django.urls import path

from . import views

urlpatterns = [
    path("mentorships/<int:pk>/reviews/", views.reviews, name="reviews"),
    path("mentorships/<int:pk>/reviews/new/", views.review_create, name="review_create"),
]
