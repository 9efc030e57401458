from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

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


class AccountDeleteForm(forms.Form):
    """Two checks before an account is deleted: the password (the person at the keyboard is
    the member) and the username typed out (they mean this account, and mean it)."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm_username = forms.CharField(
        label="Your username",
        max_length=User._meta.get_field("username").max_length,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, user: User, limited: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.limited = limited
        self.fields["confirm_username"].help_text = format_html(
            "Type <strong>{}</strong> to confirm that this is the account to delete.",
            user.username,
        )

    def clean_password(self):
        password = self.cleaned_data["password"]
        if self.limited:
            raise ValidationError(
                "Too many attempts in a short time. Wait a minute, then try again.",
                code="rate_limited",
            )
        if not self.user.has_usable_password():
            raise ValidationError(
                "Your account has no password yet. Set one on the Password tab, then come "
                "back to delete your account.",
                code="no_password",
            )
        if not self.user.check_password(password):
            raise ValidationError(
                "That is not your password. Your account was not deleted.",
                code="wrong_password",
            )
        return password

    def clean_confirm_username(self):
        typed = self.cleaned_data["confirm_username"].strip()
        if typed != self.user.username:
            raise ValidationError(
                f"That is not your username: type “{self.user.username}” exactly as shown.",
                code="wrong_username",
            )
        return typed
