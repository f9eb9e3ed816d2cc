"""Errors auditkit raises for inputs it cannot use."""


class InputError(ValueError):
    """An input path or file that auditkit cannot use; the message names it."""
