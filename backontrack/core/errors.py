"""The refusal every service raises when a write is not allowed as asked."""


class Refused(Exception):
    """The write is not allowed as asked; the message says why, in words for the person."""
