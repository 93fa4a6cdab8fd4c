from django.conf import settings


def site(request):
    """Values every page's layout needs."""
    return {
        "portal_name": settings.PORTAL_NAME,
        "portal_contact_email": settings.PORTAL_CONTACT_EMAIL,
    }
