"""The search page's form: reads the query string, says clearly what it could not use, and
hands the engine resolved objects. Bad values never fail the page: each one is reported
next to its field and left out of the search, and everything typed is shown back."""

from django import forms
from django.contrib.auth import get_user_model
from taggit.models import Tag

from ..models import Space, Thread
from .engine import SORTS, SearchFilters
from .query import MAX_QUERY_CHARS, clean_text

KIND_CHOICES = [("", "Any kind")] + [
    (kind.value, kind.label) for kind in Thread.Kind if kind != Thread.Kind.MESSAGE
]
SOLVED_CHOICES = [("", "Solved or not"), ("yes", "Solved"), ("no", "Not solved yet")]


class _Text(forms.CharField):
    """Text from a URL: control characters (NUL included) removed, length capped."""

    def __init__(self, *, limit: int, **kwargs):
        self.limit = limit
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        text, _ = clean_text(super().to_python(value) or "", limit=self.limit)
        return text


class SearchForm(forms.Form):
    q = _Text(
        limit=MAX_QUERY_CHARS * 4,
        label="Search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": 'Words, "a phrase", -leave-out',
                "autocomplete": "off",
                "enterkeyhint": "search",
            }
        ),
    )
    space = forms.ChoiceField(label="Space", required=False)
    tag = _Text(limit=60, label="Tag", widget=forms.TextInput(attrs={"placeholder": "any"}))
    author = _Text(
        limit=150,
        label="Written by",
        widget=forms.TextInput(attrs={"placeholder": "username", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label="Kind", choices=KIND_CHOICES, required=False)
    solved = forms.ChoiceField(label="Solved", choices=SOLVED_CHOICES, required=False)
    official = forms.BooleanField(label="Has an official answer", required=False)
    after = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Use a date like 2026-01-31."},
    )
    before = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Use a date like 2026-01-31."},
    )
    sort = forms.ChoiceField(label="Sort by", choices=list(SORTS.items()), required=False)

    def __init__(self, data, *, viewer, spaces: list[Space]):
        super().__init__(data)
        self.viewer = viewer
        self.spaces = {space.slug: space for space in spaces}
        self.fields["space"].choices = [("", "All spaces")] + [
            (space.slug, space.name) for space in spaces
        ]
        self.fields["space"].error_messages["invalid_choice"] = (
            "There is no space called “%(value)s” that you can read."
        )
        for name in ("kind", "solved", "sort"):
            self.fields[name].error_messages["invalid_choice"] = (
                "“%(value)s” is not one of the choices."
            )

    def clean_tag(self):
        slug = self.cleaned_data.get("tag", "").strip().lstrip("#").lower()
        if not slug:
            return None
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            raise forms.ValidationError(f"No threads are tagged “{slug}”.")
        return tag

    def clean_author(self):
        username = self.cleaned_data.get("author", "").strip().lstrip("@")
        if not username:
            return None
        person = get_user_model().objects.filter(username__iexact=username).first()
        if person is None:
            raise forms.ValidationError(f"No member is called “{username}”.")
        return person

    def clean(self):
        data = super().clean()
        after, before = data.get("after"), data.get("before")
        if after and before and after > before:
            self.add_error("before", "The end date is before the start date.")
        return data

    def filters(self) -> SearchFilters:
        """The filters that passed validation; a field with an error is simply left out."""
        data = getattr(self, "cleaned_data", {})
        solved = {"yes": True, "no": False}.get(data.get("solved") or "")
        before = data.get("before") if "before" not in self.errors else None
        return SearchFilters(
            space=self.spaces.get(data.get("space") or ""),
            tag=data.get("tag"),
            author=data.get("author"),
            kind=data.get("kind") or "",
            solved=solved,
            official=bool(data.get("official")),
            after=data.get("after"),
            before=before,
            sort=data.get("sort") or "relevance",
        )

    @property
    def query(self) -> str:
        return getattr(self, "cleaned_data", {}).get("q", "")

    @property
    def filters_open(self) -> bool:
        """Show the filter panel open when a filter is in use or has an error."""
        names = ("space", "tag", "author", "kind", "solved", "official", "after", "before")
        return any(self.data.get(name) for name in names) or any(
            name in self.errors for name in names
        )
