"""Admin for the site-wide Branding row: one row, edited in place, never added twice or deleted."""

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from .models import Branding


class BrandingForm(forms.ModelForm):
    class Meta:
        model = Branding
        fields = ("site_name", "tagline", "logo", "primary_colour")
        widgets = {"primary_colour": forms.TextInput(attrs={"type": "color"})}
        help_texts = {
            "primary_colour": "Buttons, links and highlights use this colour.",
            "logo": "A square image works best; it is shown at 32 by 32 pixels.",
        }


@admin.register(Branding)
class BrandingAdmin(admin.ModelAdmin):
    form = BrandingForm
    list_display = ("site_name", "tagline", "primary_colour", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Branding.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """There is only one row, so the list goes straight to it (or to adding it)."""
        if Branding.objects.filter(pk=1).exists():
            return redirect(reverse("admin:community_branding_change", args=[1]))
        if self.has_add_permission(request):
            return redirect(reverse("admin:community_branding_add"))
        return super().changelist_view(request, extra_context)
