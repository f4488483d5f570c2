from django.urls import path

from . import views

urlpatterns = [
    path("lessons/", views.lesson_list, name="lesson_list"),
    path("lessons/new/", views.lesson_create, name="lesson_create"),
    path("lessons/adopted/", views.lesson_adopted, name="lesson_adopted"),
    path("lessons/tags/", views.lesson_tags, name="lesson_tags"),
    path("lessons/<int:pk>/", views.lesson_detail, name="lesson_detail"),
    path("lessons/<int:pk>/edit/", views.lesson_edit, name="lesson_edit"),
    path("lessons/<int:pk>/move/<str:to>/", views.lesson_move, name="lesson_move"),
]
