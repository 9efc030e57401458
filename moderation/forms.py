from django import forms

from forums.models import Space

from .models import Flag

# Canned reasons keep the keyboard flow fast; "note" adds the specifics.
APPROVE_REASONS = [
    ("Looks fine", "Looks fine"),
    ("Not spam", "Not spam"),
    ("The flags were not upheld", "The flags were not upheld"),
]
REMOVE_REASONS = [
    ("spam", "Spam or advertising"),
    ("phone", "Fake support number"),
    ("abusive", "Rude or abusive"),
    ("off_topic", "Off-topic"),
    ("other", "Other (say why in the note)"),
]
REMOVE_LABELS = dict(REMOVE_REASONS)
SPAM_REASONS = {"spam", "phone"}
SUSPENSION_DAYS = [(1, "1 day"), (3, "3 days"), (7, "a week"), (14, "two weeks"), (30, "30 days")]


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this post?",
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong with the post."},
    )
    note = forms.CharField(
        label="Anything moderators should know",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for “Something else”. Up to 500 characters.",
    )


class DecisionForm(forms.Form):
    """approve, hide or delete, with a reason."""

    reason = forms.ChoiceField(label="Reason", choices=REMOVE_REASONS)
    note = forms.CharField(label="Note for the author", required=False, max_length=300)
    item = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, decision: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = decision
        if decision == "approve":
            # A queue card shares one reason menu between its buttons; approving ignores a
            # removal reason and says "Looks fine" unless a note says more.
            self.fields["reason"].choices = APPROVE_REASONS + REMOVE_REASONS

    def clean(self):
        data = super().clean()
        approving = self.decision == "approve"
        if not approving and data.get("reason") == "other" and not data.get("note", "").strip():
            self.add_error("note", "Say why in the note: the author and the log will read it.")
        return data

    @property
    def reason_text(self) -> str:
        data = self.cleaned_data
        note = data.get("note", "").strip()
        if self.decision == "approve":
            label = data["reason"] if data["reason"] in dict(APPROVE_REASONS) else "Looks fine"
        else:
            label = "" if data["reason"] == "other" else REMOVE_LABELS.get(data["reason"], "")
        return ". ".join(part for part in (label, note) if part)

    @property
    def is_spam(self) -> bool:
        return self.decision != "approve" and self.cleaned_data.get("reason") in SPAM_REASONS


class MemberActionForm(forms.Form):
    """warn, suspend, ban, lift, delete a spammer, held profiles."""

    reason = forms.CharField(
        label="Reason (the member reads this)",
        max_length=300,
        error_messages={"required": "Say why: the member and the log will read it."},
    )
    note = forms.CharField(required=False, max_length=300)
    days = forms.TypedChoiceField(
        label="Suspend for", choices=SUSPENSION_DAYS, coerce=int, required=False, initial=7
    )
    item = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @property
    def reason_text(self) -> str:
        """A queue card posts one of the canned reasons' keys; a review page, free text."""
        reason = self.cleaned_data["reason"].strip()
        reason = REMOVE_LABELS.get(reason, reason) if reason != "other" else ""
        note = self.cleaned_data.get("note", "").strip()
        return ". ".join(part for part in (reason, note) if part)


class ThreadActionForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        error_messages={"required": "Say why: the log keeps it."},
    )
    space = forms.ModelChoiceField(queryset=Space.objects.none(), required=False, label="Space")
    target = forms.CharField(
        label="Merge into (thread address or number)", required=False, max_length=300
    )
    title = forms.CharField(label="Title of the new thread", required=False, max_length=200)
    positions = forms.TypedMultipleChoiceField(
        label="Replies to split off", coerce=int, required=False, choices=()
    )

    def __init__(self, *args, spaces=None, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        if spaces is not None:
            self.fields["space"].queryset = spaces
        self.fields["positions"].choices = [(p, p) for p in positions]


class ModeratorEditForm(forms.Form):
    title = forms.CharField(label="Title", required=False, max_length=200)
    body = forms.CharField(label="Text", strip=False, widget=forms.Textarea(attrs={"rows": 10}))
    reason = forms.CharField(
        label="Why you edited it (the author reads this)",
        max_length=300,
        error_messages={"required": "Say why you edited the post."},
    )

    def __init__(self, *args, with_title: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["title"]


class BulkForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("hide", "Hide as spam"), ("delete", "Delete as spam")],
        error_messages={"required": "Choose what to do with the selected items."},
    )
    note = forms.CharField(required=False, max_length=300)

    @property
    def reason_text(self) -> str:
        default = {"approve": "Looks fine"}.get(
            self.cleaned_data["decision"], "Spam or advertising"
        )
        return ". ".join(p for p in (default, self.cleaned_data.get("note", "").strip()) if p)
