"""Stoa's customisation of allauth. Enumeration prevention stays on (DESIGN, invariant 7).

- Messages are worded for people: a taken username says so and what to do about it. A taken
  e-mail address is never reported on the page: allauth sends the owner an "someone tried to
  sign up with your address" mail and shows the same "check your inbox" page as a new
  sign-up, so the form cannot be used to find out who has an account.
- Names that would let a member pass as the vendor or as the site itself (``support``,
  ``admin``, ``moderator``, ...) cannot be chosen at sign-up. Staff accounts with such names
  can still be made by an administrator.
- Mails are signed with the community's own name from Branding rather than the
  ``django.contrib.sites`` record, which nobody is asked to edit.
"""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.models import Branding

from .models import RetiredUsername

RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "anonymous",
        "former-member",  # holds deleted members' posts (accounts.services.account_delete)
        "help",
        "mod",
        "moderator",
        "moderators",
        "official",
        "root",
        "security",
        "staff",
        "support",
        "system",
        "webmaster",
    }
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": _("That username is already taken. Please choose another one."),
        "username_blacklisted": _("That username is reserved. Please choose another one."),
    }

    def clean_username(self, username: str, shallow: bool = False) -> str:
        username = super().clean_username(username, shallow=shallow)
        if username.lower() in RESERVED_USERNAMES:
            raise self.validation_error("username_blacklisted")
        if RetiredUsername.objects.filter(username=username.lower()).exists():
            raise ValidationError(
                "This username belonged to an account that was deleted, so it is not given "
                "out again. Please choose another.",
                code="username_retired",
            )
        return username

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        super().send_mail(
            template_prefix, email, {"current_site": self._community_site(), **context}
        )

    def _community_site(self) -> SimpleNamespace:
        """What mail templates call ``current_site``: the community's name and address.

        The address is the host the request came in on, the one allauth also puts in the
        links it mails; mail sent outside a request falls back to ``SITE_URL``.
        """
        request = allauth_context.request
        domain = request.get_host() if request is not None else ""
        return SimpleNamespace(
            name=Branding.current().site_name,
            domain=domain or urlsplit(settings.SITE_URL).netloc or settings.SITE_URL,
        )
