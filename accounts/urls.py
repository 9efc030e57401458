from django.urls import path

from . import leaderboard_views, views

app_name = "accounts"

urlpatterns = [
    path("u/<str:username>/", views.profile, name="profile"),
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("accounts/delete/", views.account_delete, name="delete"),
    path("leaderboard/", leaderboard_views.leaderboard_page, name="leaderboard"),
]
