"""Decoupled reactions to allauth events."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from . import services


@receiver(email_confirmed)
def join_organization_by_domain(sender, request, email_address, **kwargs):
    services.organization_join_by_email(user=email_address.user, email=email_address.email)
