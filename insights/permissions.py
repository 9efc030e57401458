"""Who may see insights. Staff only: the people who may write official answers (the same
notion as ``forums.permissions.is_staff_author``), which includes administrators.
Moderators are not staff and do not see insights.

For everyone else /insights/ answers 404, exactly as if it did not exist (invariant 7);
visitors are first sent to log in, as on every other members' page.
"""

from django.http import Http404

from forums.permissions import is_member


def can_view_insights(user) -> bool:
    return is_member(user) and user.has_perm("forums.mark_official")


def can_manage_terms(user) -> bool:
    """Share-of-voice terms are kept by the same people who read the dashboard."""
    return can_view_insights(user)


def check_view_insights(user) -> None:
    if not can_view_insights(user):
        raise Http404("No such page.")
