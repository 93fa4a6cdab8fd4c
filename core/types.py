"""Types the apps share."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest

# The acting user of a domain write: every service takes it as the keyword-only ``actor``.
Actor = User


class AuthenticatedHttpRequest(HttpRequest):
    """A request that a login-requiring decorator has let through: its user is signed in."""

    user: User
