from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication

from backontrack.core.keys import keys_from_environment
from backontrack.wsgi import application

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ProductionServer(BaseApplication):
    """Gunicorn, configured from here instead of a config file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return application


class Command(BaseCommand):
    help = "Serve Back on Track with the production server (gunicorn)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["host"] not in LOOPBACK and not settings.HTTPS:
            raise CommandError(
                f"Refusing to serve on {options['host']} over plain http: sign-in cookies would "
                "travel unprotected. Put a TLS proxy in front and set BACKONTRACK_HTTPS=true, "
                "or serve on 127.0.0.1."
            )
        missing = [name for name, present in keys_from_environment().items() if not present]
        if options["host"] not in LOOPBACK and missing:
            raise CommandError(
                f"Refusing to serve on {options['host']} without {', '.join(missing)}: keys "
                "generated into var/ differ between servers and sit beside the database. "
                "Set them in the environment (see README, Configuration)."
            )
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/ (Ctrl+C stops)")
        ProductionServer(
            {
                "bind": f"{options['host']}:{options['port']}",
                "workers": options["workers"],
                "threads": options["threads"],
                "worker_class": "gthread",
                "accesslog": "-",
                "errorlog": "-",
                "timeout": 60,
                "graceful_timeout": 10,
                # The request line only: never headers, cookies or bodies.
                "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
            }
        ).run()
