from django.urls import path, re_path

from . import feeds, idea_views, views
from .search import views as search_views
from .uploads import paths as upload_paths
from .uploads import views as upload_views

app_name = "forums"

urlpatterns = [
    path("search/", search_views.search, name="search"),
    path("search/similar/", search_views.similar, name="similar_threads"),
    path("feeds/latest/", feeds.LatestThreadsFeed(), name="feed_latest"),
    path("feeds/s/<slug:slug>/", feeds.SpaceFeed(), name="feed_space"),
    path("feeds/tags/<slug:slug>/", feeds.TagFeed(), name="feed_tag"),
    path("feeds/t/<int:thread_id>/", feeds.ThreadPostsFeed(), name="feed_thread"),
    path("spaces/new/", views.space_edit, name="space_create"),
    path("s/<slug:slug>/", views.space_detail, name="space"),
    path("s/<slug:slug>/new/", views.thread_create, name="thread_create"),
    path("s/<slug:slug>/edit/", views.space_edit, name="space_edit"),
    path("t/<slug:slug>/<int:thread_id>/", views.thread_detail, name="thread"),
    path(
        "t/<slug:slug>/<int:thread_id>/<int:position>/",
        views.post_permalink,
        name="post_permalink",
    ),
    path("t/<int:thread_id>/reply/", views.reply_create, name="reply"),
    path("t/<int:thread_id>/unaccept/", views.thread_unaccept, name="thread_unaccept"),
    path("t/<int:thread_id>/moderate/", views.thread_moderate, name="thread_moderate"),
    path("p/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("p/<int:post_id>/history/", views.post_history, name="post_history"),
    path("p/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("p/<int:post_id>/react/<str:kind>/", views.post_react, name="post_react"),
    path("p/<int:post_id>/accept/", views.post_accept, name="post_accept"),
    path("p/<int:post_id>/official/", views.post_official, name="post_official"),
    path("preview/", views.preview, name="preview"),
    # Files in posts (forums/uploads/): sent by the composer, served after the reading check.
    path("uploads/", upload_views.upload_create, name="upload_create"),
    re_path(
        rf"^uploads/(?P<key>{upload_paths.KEY_PATTERN})/(?P<name>{upload_paths.NAME_PATTERN})\Z",
        upload_views.upload_serve,
        name="upload",
    ),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    # The ideas board, the roadmap, votes and the staff tools on an idea (forums/ideas.py).
    path("ideas/", idea_views.board, name="ideas"),
    path("ideas/roadmap/", idea_views.roadmap, name="roadmap"),
    path("ideas/<int:thread_id>/vote/", idea_views.vote, name="idea_vote"),
    path("ideas/<int:thread_id>/status/", idea_views.set_status, name="idea_status"),
    path("ideas/<int:thread_id>/merge/", idea_views.merge, name="idea_merge"),
    # Member groups, invite-only spaces and their members (forums/groups.py).
    path("groups/", views.group_directory, name="groups"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<slug:slug>/", views.group_detail, name="group"),
    path("groups/<slug:slug>/edit/", views.group_edit, name="group_edit"),
    path("groups/<slug:slug>/join/", views.space_join, name="group_join"),
    path("groups/<slug:slug>/feature/", views.group_feature, name="group_feature"),
    path("groups/<slug:slug>/archive/", views.group_archive, name="group_archive"),
    path("s/<slug:slug>/members/", views.space_members, name="space_members"),
    path("s/<slug:slug>/leave/", views.space_leave, name="space_leave"),
    path("s/<slug:slug>/invitations/", views.space_invite, name="space_invite"),
    path(
        "s/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.space_invitation_revoke,
        name="space_invitation_revoke",
    ),
    path(
        "s/<slug:slug>/requests/<int:request_id>/",
        views.join_request_decide,
        name="join_request_decide",
    ),
    path("s/<slug:slug>/members/<int:user_id>/remove/", views.member_remove, name="member_remove"),
    path("s/<slug:slug>/members/<int:user_id>/role/", views.member_role, name="member_role"),
    path("invite/<str:token>/", views.invitation_detail, name="invitation"),
    path(
        "invitations/<int:invitation_id>/decline/",
        views.invitation_decline,
        name="invitation_decline",
    ),
    # Private messages (forums/messaging.py).
    path("messages/", views.conversation_list, name="messages"),
    path("messages/new/", views.conversation_create, name="conversation_create"),
    path("messages/people/", views.people_suggest, name="people_suggest"),
    path("messages/blocked/", views.blocked_list, name="blocked_list"),
    path("messages/block/<str:username>/", views.user_block, name="user_block"),
    path("messages/unblock/<str:username>/", views.user_unblock, name="user_unblock"),
    path("messages/<int:thread_id>/", views.conversation_detail, name="conversation"),
    path("messages/<int:thread_id>/send/", views.conversation_send, name="conversation_send"),
    path("messages/<int:thread_id>/add/", views.conversation_add, name="conversation_add"),
    path("messages/<int:thread_id>/leave/", views.conversation_leave, name="conversation_leave"),
    # Organizations (forums/orgs.py).
    path("org/<slug:slug>/", views.organization_detail, name="organization"),
    path("org/<slug:slug>/invite/", views.organization_invite, name="organization_invite"),
    path(
        "org/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.organization_invitation_revoke,
        name="organization_invitation_revoke",
    ),
    path(
        "org/<slug:slug>/members/<int:membership_id>/remove/",
        views.organization_member_remove,
        name="organization_member_remove",
    ),
    path(
        "org/<slug:slug>/members/<int:membership_id>/role/",
        views.organization_member_role,
        name="organization_member_role",
    ),
    path(
        "invite/org/<str:token>/",
        views.organization_invitation_detail,
        name="organization_invitation",
    ),
]
