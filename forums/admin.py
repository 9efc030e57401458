from django.contrib import admin

from . import services
from .models import (
    IdeaVote,
    JoinRequest,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Space,
    SpaceInvitation,
    SpaceMembership,
    Thread,
    ThreadParticipant,
    Upload,
    UserBlock,
)


class SpaceMembershipInline(admin.TabularInline):
    model = SpaceMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "kind",
        "visibility",
        "parent",
        "position",
        "thread_count",
        "post_count",
        "is_archived",
    ]
    list_filter = ["kind", "visibility", "language", "is_archived", "is_featured"]
    list_editable = ["position"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["thread_count", "post_count", "last_activity_at", "created_at"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["curated_tags"]
    inlines = [SpaceMembershipInline]
    actions = ["recount"]

    @admin.action(description="Recount threads and posts")
    def recount(self, request, queryset):
        for space in queryset:
            services.space_synchronize(space=space)
        self.message_user(request, f"Recounted {queryset.count()} space(s).")


class PostInline(admin.StackedInline):
    model = Post
    extra = 0
    fields = ["position", "author", "state", "is_official", "is_deleted", "body"]
    readonly_fields = ["position", "author"]
    show_change_link = True
    max_num = 0


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "space",
        "kind",
        "author",
        "post_count",
        "is_pinned",
        "is_locked",
        "is_deleted",
        "last_activity_at",
    ]
    list_filter = [
        "kind",
        "space",
        "is_pinned",
        "is_locked",
        "is_deleted",
        "idea_status",
        "language",
    ]
    search_fields = ["title", "author__username"]
    raw_id_fields = ["author", "last_poster", "accepted_post", "official_post"]
    readonly_fields = [
        "post_count",
        "last_position",
        "view_count",
        "vote_count",
        "created_at",
        "last_activity_at",
        "first_reply_at",
        "first_staff_reply_at",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["space", "author"]
    actions = ["recount"]

    @admin.action(description="Recount replies and last activity")
    def recount(self, request, queryset):
        for thread in queryset:
            services.thread_synchronize(thread=thread)
        self.message_user(request, f"Recounted {queryset.count()} thread(s).")


class RevisionInline(admin.TabularInline):
    model = PostRevision
    extra = 0
    readonly_fields = ["number", "title", "body", "editor", "created_at"]
    can_delete = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "author", "state", "is_official", "is_deleted", "created_at"]
    list_filter = ["state", "is_official", "is_deleted"]
    search_fields = ["body", "author__username", "thread__title"]
    raw_id_fields = ["thread", "author", "reply_to", "deleted_by"]
    readonly_fields = [
        "body_html",
        "created_at",
        "edited_at",
        "revision_count",
        "like_count",
        "helpful_count",
    ]
    list_select_related = ["thread", "author"]
    inlines = [RevisionInline]

    def save_model(self, request, obj, form, change):
        # Admin edits go through the one renderer too, so stored HTML never drifts from body.
        from .rendering import render_post

        obj.body_html = render_post(obj.body).html
        super().save_model(request, obj, form, change)


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "kind", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["post", "user"]


@admin.register(ReadState)
class ReadStateAdmin(admin.ModelAdmin):
    list_display = ["user", "thread", "last_read_position", "updated_at"]
    raw_id_fields = ["user", "thread"]


@admin.register(IdeaVote)
class IdeaVoteAdmin(admin.ModelAdmin):
    list_display = ["thread", "user", "created_at"]
    raw_id_fields = ["thread", "user"]


@admin.register(ThreadParticipant)
class ThreadParticipantAdmin(admin.ModelAdmin):
    list_display = ["thread", "user", "joined_at", "left_at"]
    raw_id_fields = ["thread", "user"]


@admin.register(SpaceInvitation)
class SpaceInvitationAdmin(admin.ModelAdmin):
    list_display = [
        "space",
        "user",
        "email",
        "invited_by",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["space"]
    raw_id_fields = ["user", "invited_by"]
    readonly_fields = ["token"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["space", "user", "status", "created_at", "decided_by"]
    list_filter = ["status", "space"]
    raw_id_fields = ["user", "decided_by"]


@admin.register(UserBlock)
class UserBlockAdmin(admin.ModelAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    raw_id_fields = ["blocker", "blocked"]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Read-only: files are written by the composer and removed with their post, owner or
    the orphan sweep. Deleting a row here removes its files too."""

    list_display = ["name", "kind", "owner", "post", "size", "created_at", "attached_at"]
    list_filter = ["kind"]
    search_fields = ["name", "key", "sha256", "owner__username"]
    raw_id_fields = ["owner", "post"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
