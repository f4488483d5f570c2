"""The `backontrack` command: every Django management command, plus demo, serve and totp."""

import os
import sys


def main() -> None:
    # Everything this program writes (database, keys, logs) is for its own user only.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backontrack.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
