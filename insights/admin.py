from django.contrib import admin

from .models import ShareOfVoiceTerm


@admin.register(ShareOfVoiceTerm)
class ShareOfVoiceTermAdmin(admin.ModelAdmin):
    list_display = ("term", "label", "created_by", "created_at")
    search_fields = ("term", "label")
    raw_id_fields = ("created_by",)
