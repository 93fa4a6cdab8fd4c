"""The portal's own pages: home, the statements every public-sector site publishes, health."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agreements.models import Agreement


@require_safe
def home(request):
    agreements = Agreement.objects.with_current_version()
    return render(request, "portal/home.html", {"agreements": agreements})


@require_safe
def accessibility(request):
    return render(request, "portal/accessibility.html")


@require_safe
def privacy(request):
    return render(request, "portal/privacy.html")


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 when it does not. For load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})
