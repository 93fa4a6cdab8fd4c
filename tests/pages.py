"""What a test reads on a page, as the visitor reads it."""

from django.utils import translation
from django.utils.html import escape


def said(response, message) -> bool:
    """Whether the page shows the message, as the request's language (Swedish) renders it."""
    with translation.override("sv"):
        return escape(str(message)) in response.content.decode()
