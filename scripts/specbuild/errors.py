"""The one error type of the spec pipeline: a one-line message naming what was wrong."""


class SpecError(Exception):
    """Bad input or a failed step; str(error) is one line naming the file or override."""
