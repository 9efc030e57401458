import uuid

from django import forms
from django.conf import settings

from .models import Space, Thread


def _token() -> str:
    return uuid.uuid4().hex


class BodyField(forms.CharField):
    """Markdown text. Length and emptiness are checked here and again in the service."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strip", False)
        kwargs.setdefault(
            "widget",
            forms.Textarea(attrs={"rows": 8, "data-preview": "true", "spellcheck": "true"}),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not (value or "").strip():
            raise forms.ValidationError("Write something before posting.")
        limit = settings.STOA_POST_MAX_LENGTH
        if len(value) > limit:
            raise forms.ValidationError(
                f"Posts are limited to {limit:,} characters (this one has {len(value):,})."
            )
        return value


class TitleField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", None)
        super().__init__(**kwargs)

    def clean(self, value):
        value = " ".join((value or "").split())
        if not value:
            raise forms.ValidationError("Give your thread a title.")
        if len(value) > settings.STOA_TITLE_MAX_LENGTH:
            raise forms.ValidationError(
                f"Keep the title under {settings.STOA_TITLE_MAX_LENGTH} characters "
                f"(it has {len(value)})."
            )
        return value


class ThreadForm(forms.Form):
    kind = forms.ChoiceField(label="What are you posting?", widget=forms.RadioSelect)
    title = TitleField(
        label="Title",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "Summarise it in one sentence"}
        ),
    )
    body = BodyField(
        label="Details",
        help_text="Markdown: **bold**, `code`, ```fenced code```, tables, @mentions.",
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        help_text="Up to five, separated by commas.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "billing, api"}),
    )
    client_token = forms.CharField(widget=forms.HiddenInput, initial=_token)

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, Thread.Kind(k).label) for k in kinds]
        self.fields["kind"].initial = kinds[0]

    def clean_tags(self):
        raw = self.cleaned_data.get("tags", "")
        return [t for t in (part.strip() for part in raw.split(",")) if t]


class ReplyForm(forms.Form):
    body = BodyField(label="Your reply")
    reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    official = forms.BooleanField(label="Post as an official answer", required=False)
    client_token = forms.CharField(widget=forms.HiddenInput, initial=_token)


class PostEditForm(forms.Form):
    title = TitleField(label="Title", required=False)
    body = BodyField(label="Text")

    def __init__(self, *args, with_title: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["title"]


class SpaceForm(forms.ModelForm):
    class Meta:
        model = Space
        fields = [
            "name",
            "slug",
            "description",
            "icon",
            "colour",
            "parent",
            "visibility",
            "organization",
            "language",
            "position",
            "allow_ideas",
            "restrict_tags",
            "curated_tags",
            "is_archived",
        ]
        widgets = {
            "colour": forms.TextInput(attrs={"type": "color"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
