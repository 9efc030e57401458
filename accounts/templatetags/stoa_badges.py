"""``{% profile_badges person as earned %}``: a member's badges, gold first (one query)."""

from django import template

from accounts.badges import badges_for

register = template.Library()


@register.simple_tag
def profile_badges(person):
    return badges_for(user=person)
