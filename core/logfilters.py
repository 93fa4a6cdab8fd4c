"""Logging filters: refusals in one line, errors with their traceback.

Django records every 4xx answer through ``django.request`` (a CSRF failure through
``django.security.csrf``), for a refused permission or a missing page with the exception's whole
traceback. A refusal is an expected event, not an error: the portal writes one line for it to
``portal.security`` (who, method, path, reason: ``portal.views.permission_denied`` and
``csrf_failure``). This filter drops Django's record of a refusal the portal has logged itself
and strips the traceback from every other 4xx record; 5xx records keep theirs.
"""

from __future__ import annotations

import logging


class RefusalsInOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or not 400 <= status < 500:
            return True
        if getattr(getattr(record, "request", None), "portal_refusal_logged", False):
            return False
        record.exc_info = None
        record.exc_text = None
        return True
