"""Decoupled reactions to allauth events."""

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from . import services
from .backends import permissions_changed
from .models import User
from .verification import verification_changed


@receiver(email_confirmed)
def join_organization_by_domain(sender, request, email_address, **kwargs):
    services.organization_join_by_email(user=email_address.user, email=email_address.email)


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
@receiver(post_save, sender=Permission)
@receiver(post_delete, sender=Permission)
def _roles_changed(sender, **kwargs):
    """Cached permission sets (``accounts.backends``) are forgotten when roles change: at
    once, and again after commit, so a set re-read by another request before the commit
    does not outlive it."""
    if kwargs.get("action", "post_").startswith("post_"):
        permissions_changed()
        transaction.on_commit(permissions_changed)


@receiver(post_save, sender=EmailAddress)
@receiver(post_delete, sender=EmailAddress)
def _addresses_changed(sender, instance, **kwargs):
    verification_changed(instance.user_id)
