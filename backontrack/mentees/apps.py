from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MenteesConfig(AppConfig):
    name = "backontrack.mentees"
    label = "mentees"
    verbose_name = _("Mentees")
