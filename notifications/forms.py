from django import forms

from .models import Channel, Kind
from .services import NORMAL

LEVEL_LABELS = {
    "thread": {
        "watch": ("Watching", "Every reply, in your inbox and by e-mail."),
        "track": ("Tracking", "Every reply in your inbox, never by e-mail."),
        NORMAL: ("Normal", "Only mentions, quotes and replies to you."),
        "mute": ("Muted", "Nothing from this thread, not even mentions."),
    },
    "space": {
        "watch": ("Watching", "Every new thread and every reply, by e-mail too."),
        "track": ("Tracking", "New threads in your inbox, never by e-mail."),
        NORMAL: ("Normal", "Only what is addressed to you."),
        "mute": ("Muted", "No new-thread notices from here."),
    },
}
LEVEL_LABELS["tag"] = LEVEL_LABELS["space"]


class WatchForm(forms.Form):
    level = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in LEVEL_LABELS["thread"].items()],
        error_messages={
            "required": "Choose how closely to follow this.",
            "invalid_choice": "Choose watching, tracking, normal or muted.",
        },
    )


class PreferencesForm(forms.Form):
    """One choice per kind of notification: at once, in a digest, or never."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=Channel.choices,
                initial=current[kind],
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose how to hear about “{label.lower()}”.",
                    "invalid_choice": f"Choose one of the options for “{label.lower()}”.",
                },
            )

    def rows(self):
        """(kind, label, bound field) per kind, for the settings table."""
        return [(kind, label, self[kind]) for kind, label in Kind.choices]
