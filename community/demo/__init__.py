"""The demo community that ``manage.py seed_demo`` loads: Lumen, a fictional analytics SaaS
vendor, and its customer community.

The content is data (``people``, ``spaces`` and the ``threads_*`` modules, written with the
shapes in ``specs``); ``loader`` writes it through the services, so every counter is what a
real member's actions would have produced. Only timestamps and view counts are set
afterwards, to spread the activity over the last two months.

What exists already is recognised by a stable key and left alone: users by username, spaces
by slug, threads by space and title. Running the loader again therefore creates nothing.

Later capabilities extend the demo here: ideas carry ``idea_status`` and ``idea_voters`` for
the ideas board, and a member group, flags and private messages get their own content
module and loader step when their services exist.
"""

from . import (
    threads_acme,
    threads_es,
    threads_id,
    threads_ideas,
    threads_nl,
    threads_platform,
    threads_product,
)
from .people import ORGANIZATIONS, PEOPLE
from .spaces import SPACES

THREADS = (
    threads_product.THREADS
    + threads_platform.THREADS
    + threads_es.THREADS
    + threads_nl.THREADS
    + threads_id.THREADS
    + threads_acme.THREADS
    + threads_ideas.THREADS
)

DEMO_PASSWORD = "demo"
DEMO_URL = "http://127.0.0.1:8000/"

__all__ = ["DEMO_PASSWORD", "DEMO_URL", "ORGANIZATIONS", "PEOPLE", "SPACES", "THREADS"]
