from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentorshipsConfig(AppConfig):
    name = "backontrack.mentorships"
    label = "mentorships"
    verbose_name = _("Mentorships")

    def ready(self) -> None:
        from backontrack.accounts.services import ACTIVITY_FOLLOWERS
        from backontrack.programmes.services import SETTINGS_FOLLOWERS

        from .alerts import account_alert_windows_rebuild, programme_alert_windows_rebuild

        SETTINGS_FOLLOWERS.append(programme_alert_windows_rebuild)
        ACTIVITY_FOLLOWERS.append(account_alert_windows_rebuild)
