"""Errors that services raise; each entry point maps them to its own answer."""


class Conflict(Exception):
    """The action lost a race or does not fit the object's current state (HTTP 409).

    A subclass that sets ``field`` is about one input: the API answers with the
    message on that field, as for a validation error.
    """

    field: str | None = None
