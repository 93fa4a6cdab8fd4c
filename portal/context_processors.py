from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    """Values every page's layout needs.

    ``public_version`` and ``fragment_seconds`` (with ``page_address``) key the fragments of
    public pages kept in the cache (``{% cache fragment_seconds name public_version … %}``, see
    core/pagecache.py); the version is only looked up by a page that has such a fragment.
    """
    from core.pagecache import request_public_version

    return {
        "portal_name": settings.PORTAL_NAME,
        "portal_contact_email": settings.PORTAL_CONTACT_EMAIL,
        "public_version": SimpleLazyObject(lambda: request_public_version(request)),
        "fragment_seconds": settings.PORTAL_FRAGMENT_CACHE_SECONDS,
        # The page's own address, for links back to it: on a public page with only the query
        # parameters it reads (core.pagecache.page_address), so that a cached page holds
        # nothing of the query string it was first asked with.
        "page_address": getattr(request, "public_page_address", None) or request.get_full_path(),
    }


def navigation(request):
    """What the main menu shows for the visitor's roles.

    Lazy, so that a page that does not show the menu entry (or an anonymous visitor) costs no
    query; a logged-in visitor's page costs one, whatever else the page lists: whether they are
    an officer and what waits for them (``organisations.selectors.officer_work``).
    """
    from organisations.selectors import OfficerWork, officer_work

    user = getattr(request, "user", None)

    def _work() -> OfficerWork:
        if user is None or not user.is_authenticated:
            return OfficerWork(is_officer=False, accessions=0, access_requests=0)
        return officer_work(user)

    work = SimpleLazyObject(_work)
    return {
        "nav_officer_work": work,
        "nav_is_officer": SimpleLazyObject(lambda: work.is_officer),
    }
