"""Strings of libraries whose Swedish translation we correct in our own catalogue.

makemessages only keeps msgids it finds in the project, so the library strings we translate
ourselves are listed here. Our catalogue (LOCALE_PATHS) takes precedence over the library's.
"""

from django.utils.translation import gettext_noop

OVERRIDDEN = [
    # allauth's Swedish text says "Already have an account? Log in" for a link that signs up.
    gettext_noop(
        "If you have not created an account yet, then please %(link)ssign up%(end_link)s first."
    ),
]
