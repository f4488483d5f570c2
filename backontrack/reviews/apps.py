from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "backontrack.reviews"
    label = "reviews"
    verbose_name = _("Progress reviews")
