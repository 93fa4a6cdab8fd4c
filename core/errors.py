"""The one refusal every service raises when a request must not succeed."""

from __future__ import annotations

from django.utils.functional import Promise


class ActionRefused(Exception):
    """A request that must not succeed; nothing was changed. ``message`` is for the user (in
    their language: usually a lazily translated module constant), ``status`` the HTTP status
    the view answers with: 409 (the state does not allow it) unless the service says otherwise
    (403 for a right the user lacks, 429 for a limit reached)."""

    def __init__(self, message: str | Promise, *, status: int = 409) -> None:
        self.message = message
        self.status = status
        super().__init__(str(message))
