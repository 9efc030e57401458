from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:notification_id>/", views.notification_open, name="open"),
    path("notifications/read/", views.mark_read, name="mark_read"),
    path("notifications/settings/", views.preferences, name="settings"),
    path("notifications/watch/thread/<int:thread_id>/", views.watch_thread, name="watch_thread"),
    path("notifications/watch/space/<slug:slug>/", views.watch_space, name="watch_space"),
    path("notifications/watch/tag/<slug:slug>/", views.watch_tag, name="watch_tag"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
