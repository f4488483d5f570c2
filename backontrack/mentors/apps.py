from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentorsConfig(AppConfig):
    name = "backontrack.mentors"
    label = "mentors"
    verbose_name = _("Mentor corps")
