"""/leaderboard/: top contributors by reputation earned, per period and space."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from .leaderboard import leaderboard


@require_safe
def leaderboard_page(request):
    board = leaderboard(viewer=request.user, params=request.GET)
    return render(request, "accounts/leaderboard.html", {"board": board})
