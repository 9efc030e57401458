from django import forms
from django.core.exceptions import ValidationError

from .avatars import AvatarError, avatar_prepare
from .models import User

ACCEPTED_IMAGE_TYPES = "image/jpeg,image/png,image/gif,image/webp"


class PlainTextField(forms.CharField):
    """Multi-line text with browser line endings normalised before the length is checked.

    Browsers submit each line break in a textarea as CRLF while counting it as one character
    for ``maxlength``; without this a bio that fits in the box would be refused as too long.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class ProfileForm(forms.Form):
    """What a member may change about how others see them.

    A plain form rather than a ModelForm: validation must not touch ``request.user``, which
    the page header keeps showing while a failed form is displayed again.
    """

    display_name = forms.CharField(
        label="Display name",
        max_length=User._meta.get_field("display_name").max_length,
        required=False,
        help_text="Shown beside your posts. Leave it empty to use your username.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    bio = PlainTextField(
        label="About you",
        max_length=User._meta.get_field("bio").max_length,
        required=False,
        help_text="Plain text, up to 1,000 characters. Line breaks are kept.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    avatar = forms.FileField(
        label="Profile picture",
        required=False,
        help_text="A JPEG, PNG, GIF or WebP. It is cropped to a square.",
        widget=forms.FileInput(attrs={"accept": ACCEPTED_IMAGE_TYPES}),
    )
    remove_avatar = forms.BooleanField(label="Remove my current picture", required=False)

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        try:
            return avatar_prepare(upload)
        except AvatarError as error:
            raise ValidationError(str(error), code="invalid_avatar") from None

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("avatar") and cleaned_data.get("remove_avatar"):
            self.add_error(
                "remove_avatar",
                "Choose a new picture or remove the current one, not both.",
            )
        return cleaned_data
