"""The one rule every part of the demo keeps: its synthetic people go into a demo database
only. Here, below the loader and its stories, so that both can keep it without importing
each other."""

from backontrack.core.models import Installation


class NotADemoDatabase(Exception):
    """The database is not a demo one: the demo writes nothing to it."""


def demo_only() -> None:
    """Demo data goes into a demo database only (see `demo.loader.load_demo_data`)."""
    if not Installation.current_is_demo():
        raise NotADemoDatabase("Demo data is only ever loaded into a demo database.")
