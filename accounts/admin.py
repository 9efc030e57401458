"""Admin for members and business customers.

Roles are group memberships (Staff, Moderators, Admins), so they are granted here by editing a
member's groups. A member created in the admin has no confirmed e-mail address yet: allauth
sends a confirmation link the first time they log in.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count

from . import services
from .models import (
    Badge,
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    ReputationEvent,
    RetiredUsername,
    User,
    UserBadge,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "email",
        "trust_level",
        "reputation",
        "role_list",
        "date_joined",
        "is_active",
    )
    list_display_links = ("username", "display_name")
    list_filter = ("groups", "trust_level", "is_active", "is_staff", "is_superuser", "date_joined")
    search_fields = ("username", "display_name", "email", "first_name", "last_name")
    ordering = ("-date_joined",)
    date_hierarchy = "date_joined"
    readonly_fields = ("last_login", "date_joined", "last_seen_at")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Community profile", {"fields": ("display_name", "email", "bio", "avatar")}),
        ("Standing", {"fields": ("trust_level", "reputation")}),
        ("Personal info", {"classes": ("collapse",), "fields": ("first_name", "last_name")}),
        (
            "Roles and permissions",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            },
        ),
        ("Dates", {"fields": ("last_login", "last_seen_at", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )

    actions = ("delete_keeping_posts",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.action(description="Delete accounts, keeping their posts as “Former member”")
    def delete_keeping_posts(self, request, queryset):
        """Django's own delete refuses members who have posted (posts protect their author);
        this deletes them the way a member deleting their own account does."""
        deleted = 0
        for user in queryset:
            try:
                services.account_delete(user=user, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{user}: {' '.join(error.messages)}", messages.ERROR)
            else:
                deleted += 1
        if deleted:
            self.message_user(request, f"Deleted {deleted} account(s).", messages.SUCCESS)

    @admin.display(description="Roles")
    def role_list(self, user: User) -> str:
        return ", ".join(sorted(group.name for group in user.groups.all())) or "—"


class OrganizationMembershipInline(admin.TabularInline):
    model = OrganizationMembership
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("joined_at",)
    fields = ("user", "role", "joined_at")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "domain_summary", "member_count", "created_at")
    search_fields = ("name", "slug", "domains")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = (OrganizationMembershipInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, organization: Organization) -> int:
        return organization.member_total

    @admin.display(description="E-mail domains")
    def domain_summary(self, organization: Organization) -> str:
        return ", ".join(organization.domain_list) or "—"


@admin.register(OrganizationInvitation)
class OrganizationInvitationAdmin(admin.ModelAdmin):
    list_display = ["organization", "email", "invited_by", "expires_at", "accepted_at"]
    list_filter = ["organization"]
    search_fields = ["email"]
    raw_id_fields = ["invited_by", "accepted_by"]
    readonly_fields = ["token"]


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "level", "description"]
    list_filter = ["level"]


@admin.register(UserBadge)
class UserBadgeAdmin(admin.ModelAdmin):
    list_display = ["user", "badge", "granted_at", "reason"]
    list_filter = ["badge"]
    raw_id_fields = ["user"]


@admin.register(ReputationEvent)
class ReputationEventAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "points", "key", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "key"]
    raw_id_fields = ["user"]


@admin.register(RetiredUsername)
class RetiredUsernameAdmin(admin.ModelAdmin):
    """Names of deleted accounts, kept out of sign-up. Deleting a row frees the name."""

    list_display = ["username", "retired_at"]
    search_fields = ["username"]
    readonly_fields = ["username", "retired_at"]
