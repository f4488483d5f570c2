from django.db import models
from django.utils.translation import gettext_lazy as _


class Installation(models.Model):
    """One row describing this database. A database created by `backontrack demo` is a demo
    database: every page says so, and only there may `backontrack totp` print sign-in codes."""

    is_demo = models.BooleanField(_("demo database"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("installation")

    def __str__(self) -> str:
        return "demo" if self.is_demo else "installation"

    @classmethod
    def current_is_demo(cls) -> bool:
        return cls.objects.filter(is_demo=True).exists()
