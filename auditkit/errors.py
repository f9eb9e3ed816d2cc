"""Errors auditkit raises for inputs it cannot use."""


class InputError(ValueError):
    """An input path or file that auditkit cannot use; the message names it."""


class ILRFileError(InputError):
    """A file that is not XML, not an ILR, or unsafe to parse. The message names the file."""
