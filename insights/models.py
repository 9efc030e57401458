"""Rollup tables behind the staff dashboard at /insights/.

The dashboard never reads forum tables for its numbers (only its action list of unanswered
questions is live): ``insights.rollups`` turns each day's activity into the rows below, so a
page costs the same few queries at a thousand posts or a million.

Sums (threads, posts, flags...) are stored per day and summed over a period. Medians cannot
be summed, so the facts they are taken over are stored one row per question
(``QuestionFacts``) and one row per flag (``FlagFacts``), and the median of a period is one
aggregate over those rows. Distinct members cannot be summed either: ``DailyMemberActivity``
keeps one row per member, day and space, and a period's active members are counted distinct.

Every row carries the space and the organization it belongs to, so each table can be filtered
or broken down by either. A member's organization is their first organization membership
(B2B customers nearly always have exactly one); members without one count under "no
organization" (``organization`` null). Private conversations (threads of kind ``message``)
are never rolled up.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class DailyStats(models.Model):
    """What happened in one space on one day, by the organization of whoever did it."""

    date = models.DateField()
    space = models.ForeignKey("forums.Space", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    threads = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0, help_text="Opening posts and replies.")
    replies = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    deflections = models.PositiveIntegerField(
        default=0, help_text="Suggested answers opened while asking, not followed by a question."
    )

    class Meta:
        verbose_name_plural = "daily stats"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "space", "organization"],
                name="insights_daily_stats_key",
            )
        ]
        indexes = [models.Index(fields=["date"], name="insights_daily_stats_date")]

    def __str__(self) -> str:
        return f"{self.space_id} on {self.date}"


class DailyMemberStats(models.Model):
    """Members who joined on one day, by organization."""

    date = models.DateField()
    organization = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    new_members = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily member stats"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "organization"],
                name="insights_member_stats_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.new_members} new on {self.date}"


class DailyMemberActivity(models.Model):
    """One member's activity on one day in one space; ``space`` null is a visit.

    Visits come from the member's last log-in or last-seen time, which only remembers the
    latest one, so visit rows are kept once written and never rebuilt (see rollups).
    """

    date = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    space = models.ForeignKey("forums.Space", null=True, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    posts = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0, help_text="Reactions given.")
    solutions = models.PositiveIntegerField(
        default=0, help_text="Posts written that day that are now accepted answers."
    )
    is_staff_member = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "daily member activity"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "user", "space"],
                name="insights_member_activity_key",
            )
        ]
        indexes = [models.Index(fields=["date", "space"], name="insights_activity_date")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.date}"


class DailyTagStats(models.Model):
    """New threads carrying one tag, per day, space and organization of the author."""

    date = models.DateField()
    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, related_name="+")
    space = models.ForeignKey("forums.Space", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    threads = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily tag stats"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "tag", "space", "organization"],
                name="insights_tag_stats_key",
            )
        ]
        indexes = [models.Index(fields=["date"], name="insights_tag_stats_date")]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.date}"


class ShareOfVoiceTerm(models.Model):
    """A word staff follow in the community: their products, their competitors."""

    term = models.CharField(max_length=60)
    label = models.CharField(max_length=60, blank=True, help_text="Shown instead of the term.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(Lower("term"), name="insights_term_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.label or self.term


class DailyTermMentions(models.Model):
    """Published posts that mention a term (whole word, any case), per day and space."""

    date = models.DateField()
    term = models.ForeignKey(ShareOfVoiceTerm, on_delete=models.CASCADE, related_name="mentions")
    space = models.ForeignKey("forums.Space", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    mentions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily term mentions"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "term", "space", "organization"],
                name="insights_term_mentions_key",
            )
        ]
        indexes = [models.Index(fields=["date"], name="insights_term_mentions_date")]

    def __str__(self) -> str:
        return f"{self.term_id} x {self.mentions} on {self.date}"


class QuestionFacts(models.Model):
    """What became of one question: the rows medians and answer rates are taken over."""

    thread = models.OneToOneField(
        "forums.Thread", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    asked_on = models.DateField()
    space = models.ForeignKey("forums.Space", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    first_reply_seconds = models.PositiveIntegerField(null=True)
    first_staff_reply_seconds = models.PositiveIntegerField(null=True)
    answered = models.BooleanField(default=False)
    answered_by_peer = models.BooleanField(
        default=False, help_text="The first reply came from another customer, not from staff."
    )
    solved = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "question facts"
        indexes = [models.Index(fields=["asked_on"], name="insights_question_asked")]

    def __str__(self) -> str:
        return f"question {self.thread_id}"


class FlagFacts(models.Model):
    """One flag raised on a post in a space, and how long moderators took to decide it."""

    flag = models.OneToOneField(
        "moderation.Flag", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    raised_on = models.DateField()
    space = models.ForeignKey("forums.Space", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    turnaround_seconds = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name_plural = "flag facts"
        indexes = [models.Index(fields=["raised_on"], name="insights_flag_raised")]

    def __str__(self) -> str:
        return f"flag {self.flag_id}"
