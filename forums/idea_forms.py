"""Forms for the staff tools on an idea: set its status, merge a duplicate."""

import uuid

from django import forms

from .ideas import STATUSES

# What staff most likely choose next, preselected in the form.
NEXT_STATUS = {
    "under_review": "planned",
    "planned": "in_progress",
    "in_progress": "done",
    "declined": "under_review",
}


class IdeaStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="New status",
        choices=[(s.value, s.label) for s in STATUSES],
        error_messages={"invalid_choice": "Choose one of the statuses in the list."},
    )
    comment = forms.CharField(
        label="Official comment",
        strip=False,
        help_text="Posted as an official reply and sent to everyone who voted.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Explain the decision in a comment: voters are told and will read it."
        },
    )
    # A per-form token: a double-clicked submit carries the same one and changes once.
    client_token = forms.CharField(
        widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex, required=False, max_length=36
    )

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, prefix="idea-status", **kwargs)
        if not self.is_bound:
            self.fields["status"].initial = NEXT_STATUS.get(current, "")


class IdeaMergeForm(forms.Form):
    into = forms.CharField(
        label="Merge into",
        max_length=300,
        help_text="The number or the address of the original idea.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "e.g. 42"}),
        error_messages={"required": "Say which idea this one duplicates."},
    )
    comment = forms.CharField(
        label="Note for voters",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="idea-merge", **kwargs)
