"""Staff edit the spam filter's lists and weights here; the audit log is read-only."""

from django.contrib import admin

from .models import (
    BlockedTerm,
    Flag,
    ModerationAction,
    ReviewItem,
    SignalWeight,
    SpamVerdict,
    Suspension,
)


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ("value", "kind", "weight", "source", "is_active", "hits", "false_positives")
    list_filter = ("kind", "source", "is_active")
    list_editable = ("weight", "is_active")
    search_fields = ("value", "note")
    readonly_fields = ("hits", "false_positives", "created_at")

    def save_model(self, request, obj, form, change):
        obj.value = obj.value.strip().lower()
        if obj.kind == BlockedTerm.Kind.PHONE:
            obj.value = "".join(c for c in obj.value if c.isdigit())
        super().save_model(request, obj, form, change)


@admin.register(SignalWeight)
class SignalWeightAdmin(admin.ModelAdmin):
    list_display = ("code", "author", "weight", "false_positives", "updated_at")
    list_filter = ("code",)
    list_editable = ("weight",)
    search_fields = ("code", "author__username")
    raw_id_fields = ("author",)


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "target_user", "reason")
    list_filter = ("action",)
    search_fields = ("reason", "actor__username", "target_user__username")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "target_user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("post", "reporter", "reason", "status", "weight", "created_at")
    list_filter = ("status", "reason")
    raw_id_fields = ("post", "reporter", "resolved_by")
    list_select_related = ("post__thread", "reporter")


@admin.register(SpamVerdict)
class SpamVerdictAdmin(admin.ModelAdmin):
    list_display = ("kind", "subject", "post", "score", "held", "outcome", "created_at")
    list_filter = ("kind", "held", "outcome")
    raw_id_fields = ("post", "subject")
    list_select_related = ("subject", "post__thread")


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    list_display = ("user", "starts_at", "ends_at", "lifted_at", "actor", "reason")
    raw_id_fields = ("user", "actor", "lifted_by")
    list_select_related = ("user", "actor")


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "subject", "status", "score", "flag_weight", "opened_at")
    list_filter = ("status", "kind")
    raw_id_fields = ("post", "subject", "resolved_by", "resolution")
    list_select_related = ("subject",)
