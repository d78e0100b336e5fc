"""The one exception importers raise for people: a file that cannot be imported at all."""

from __future__ import annotations


class ImportFailed(ValueError):
    """The file cannot be imported; the message is one sentence for the person importing.

    `summary` is set when the rows were read and every one was rejected, so callers can
    still show the rejections grouped by reason.
    """

    def __init__(self, message: str, summary: object | None = None) -> None:
        super().__init__(message)
        self.summary = summary
