"""The portal's URLs plus the benchmark's reference: a Django view that returns a fixed page.

The view goes through the same middleware as every page, so its throughput is the ceiling of
anything Django does on this machine; the benchmark reports each page as a ratio of it.
"""

import os
from functools import cache
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from portal.urls import handler403, handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns


@cache
def _fixed_page() -> bytes:
    return Path(os.environ["BENCH_FIXED_PAGE"]).read_bytes()


def fixed_page(request):
    return HttpResponse(_fixed_page(), content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/fixed/", fixed_page), *portal_urlpatterns]
