"""Access to workspaces: officers, council members and staff must have two-factor authentication."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from . import permissions

MFA_NEEDED = _(
    "Your role requires two-factor authentication. Activate an authenticator app to continue."
)


def mfa_required(view):
    """Send a user whose role needs MFA, and who has not activated it, to activate it first."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if permissions.needs_mfa(request.user) and not permissions.has_mfa(request.user):
            messages.warning(request, MFA_NEEDED)
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapped


def officer_required(view):
    """Municipal officers only (403 for everyone else), with MFA."""

    @wraps(view)
    @mfa_required
    def wrapped(request, *args, **kwargs):
        if not permissions.is_officer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
