from django.contrib import admin

from .models import EmailDelivery, Notification, NotificationPreference, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "level", "thread", "space", "tag", "chosen", "updated_at"]
    list_filter = ["level", "chosen"]
    raw_id_fields = ["user", "thread", "space", "tag"]
    search_fields = ["user__username"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "recipient",
        "kind",
        "actor",
        "thread",
        "created_at",
        "read_at",
        "email_channel",
        "email_status",
    ]
    list_filter = ["kind", "email_channel", "email_status"]
    raw_id_fields = ["recipient", "actor", "thread", "post", "delivery"]
    search_fields = ["recipient__username", "event_key"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "channel", "updated_at"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["user"]


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "recipient",
        "channel",
        "status",
        "attempts",
        "subject",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel"]
    raw_id_fields = ["recipient", "thread"]
    search_fields = ["recipient__username", "key", "address"]
    readonly_fields = ["key", "attempts", "last_error", "sent_at"]
