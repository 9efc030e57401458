from .models import Branding


def site(request):
    """Branding for every page; the cached row costs no query on a warm cache."""
    return {"branding": Branding.current()}
