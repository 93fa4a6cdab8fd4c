"""The account adapter (``ACCOUNT_ADAPTER``): core's, which queues allauth's e-mail, and where
each kind of user lands after logging in.

It lives on the top floor because it knows the roles of every app: an officer lands on the
officer's workspace (the accessions waiting for them), everyone else on My pages, where a
council member finds the evaluations waiting for the council. A ``next`` address (a link in an
e-mail, a page that asked for login) still wins, as allauth handles it before this is asked.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from core.adapter import AccountAdapter as CoreAccountAdapter
from organisations.permissions import is_officer


class AccountAdapter(CoreAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if is_officer(request.user):
            return reverse("organisations:officer")
        return super().get_login_redirect_url(request)
