from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("mod/", views.queue, name="queue"),
    path("mod/size/", views.queue_badge, name="queue_badge"),
    path("mod/bulk/", views.bulk, name="bulk"),
    path("mod/log/", views.log, name="log"),
    path("mod/yours/", views.yours, name="yours"),
    path("mod/flag/<int:post_id>/", views.flag, name="flag"),
    path("mod/post/<int:post_id>/", views.post_review, name="post"),
    path("mod/post/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("mod/post/<int:post_id>/<str:decision>/", views.post_decide, name="post_decide"),
    path("mod/thread/<int:thread_id>/<str:action>/", views.thread_act, name="thread_act"),
    path("mod/user/<str:username>/", views.user_review, name="user"),
    path("mod/user/<str:username>/<str:action>/", views.user_act, name="user_act"),
]
