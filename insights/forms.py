"""The dashboard's filter: a period (a preset or two dates), a space, an organization and the
age at which an unanswered question joins the action list. Bad input becomes a message on
the form, never an error page; what was typed stays in the fields."""

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Organization
from forums.models import Space

from .selectors import Period

PRESETS = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days")]
CUSTOM = "custom"
EARLIEST = date(2000, 1, 1)


def _day(value: date) -> str:
    return date_format(value, "j F Y")


class DashboardFilterForm(forms.Form):
    range = forms.ChoiceField(
        choices=[*PRESETS, (CUSTOM, "Custom dates")],
        required=False,
        label="Period",
        error_messages={"invalid_choice": "Choose a period from the list, or custom dates."},
    )
    start = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the first day as a date, like 2025-03-01."},
    )
    end = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the last day as a date, like 2025-03-31."},
    )
    space = forms.CharField(required=False, max_length=60)
    organization = forms.CharField(required=False, max_length=60)
    hours = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=24 * 90,
        label="Unanswered after (h)",
        error_messages={
            "invalid": "Enter a whole number of hours.",
            "min_value": "Enter at least 1 hour.",
            "max_value": "Enter at most 2160 hours (90 days).",
        },
    )

    def __init__(self, data=None, *, viewer, today: date | None = None):
        super().__init__(data)
        self.viewer = viewer
        self.today = today or timezone.localdate()
        self.fields["hours"].widget.attrs["placeholder"] = str(
            settings.STOA_INSIGHTS_UNANSWERED_HOURS
        )

    def clean_space(self) -> Space | None:
        slug = (self.cleaned_data.get("space") or "").strip()
        if not slug:
            return None
        space = Space.objects.visible_to(self.viewer).filter(slug=slug).first()
        if space is None:
            raise forms.ValidationError(
                f"There is no space called “{slug}”. Pick one from the list."
            )
        return space

    def clean_organization(self) -> Organization | None:
        slug = (self.cleaned_data.get("organization") or "").strip()
        if not slug:
            return None
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise forms.ValidationError(
                f"There is no organization called “{slug}”. Pick one from the list."
            )
        return organization

    def clean_hours(self) -> int:
        return self.cleaned_data.get("hours") or settings.STOA_INSIGHTS_UNANSWERED_HOURS

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("range") or ""
        start, end = cleaned.get("start"), cleaned.get("end")
        typed_dates = bool(self.data.get("start") or self.data.get("end"))
        if choice == CUSTOM or (not choice and typed_dates):
            if "start" in self.errors or "end" in self.errors:
                return cleaned
            if not start or not end:
                raise forms.ValidationError(
                    "Choose both a first and a last day for a custom period."
                )
            period = self._checked(start, end)
        else:
            days = int(choice or 30)
            period = Period(start=self.today - timedelta(days=days - 1), end=self.today)
        cleaned["period"] = period
        return cleaned

    def _checked(self, start: date, end: date) -> Period:
        if end < start:
            raise forms.ValidationError(
                f"The period ends before it starts: {_day(end)} comes before {_day(start)}. "
                "Swap the two dates."
            )
        if end > self.today:
            raise forms.ValidationError(
                f"The period cannot end in the future: choose {_day(self.today)} (today) or "
                "an earlier day."
            )
        days = (end - start).days + 1
        limit = settings.STOA_INSIGHTS_MAX_DAYS
        if days > limit:
            raise forms.ValidationError(
                f"Choose a period of at most {limit} days (two years); this one has {days}."
            )
        if start < EARLIEST + timedelta(days=days):
            raise forms.ValidationError(
                f"Choose a period starting after {_day(EARLIEST + timedelta(days=days))}: "
                "there is nothing to compare with before that."
            )
        return Period(start=start, end=end)


class TermForm(forms.Form):
    term = forms.CharField(
        max_length=200,
        label="Term",
        error_messages={"required": "Type the word or name to follow, for example “Lumen”."},
        help_text="A product, feature or competitor name. Matched as a whole word, any case.",
    )
    label = forms.CharField(
        max_length=60,
        required=False,
        label="Label",
        help_text="Shown instead of the term.",
    )
