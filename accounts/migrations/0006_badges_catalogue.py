"""The badge catalogue: the Badge rows that accounts.badges.RULES grant.

A frozen copy, as migrations must be; ``accounts.badges.catalogue_sync`` (run by the
periodic sweep) brings names and descriptions up to date when the rules change later.
"""

from django.db import migrations

BADGES = [
    ("first-post", "First post", "Wrote a first post.", "🌱", "bronze"),
    ("curious", "Curious", "Asked a first question.", "❓", "bronze"),
    ("idea-starter", "Idea starter", "Shared a first idea.", "💡", "bronze"),
    ("voter", "Voice of the customer", "Voted for five ideas.", "🗳️", "bronze"),
    ("first-solution", "Problem solver", "Wrote a first accepted answer.", "✅", "bronze"),
    ("solutions-10", "Solution expert", "Wrote 10 accepted answers.", "🧩", "silver"),
    ("solutions-100", "Guru", "Wrote 100 accepted answers.", "🏆", "gold"),
    ("helpful", "Helpful", "Received a first helpful reaction.", "🙌", "bronze"),
    ("helping-hand", "Helping hand", "Received 25 helpful reactions.", "🤝", "silver"),
    (
        "welcome-committee",
        "Welcome committee",
        "Answered three newcomers' first questions.",
        "👋",
        "silver",
    ),
    ("crowd-favourite", "Crowd favourite", "Shared an idea that gathered 10 votes.", "📣", "silver"),
    ("on-the-roadmap", "On the roadmap", "Shared an idea that staff planned.", "🗺️", "silver"),
    ("shipped", "Shipped it", "Shared an idea that shipped.", "🚀", "gold"),
    ("one-year", "One year in", "A member of the community for a year.", "🎂", "silver"),
    ("trusted-voice", "Trusted voice", "Earned 250 reputation.", "⭐", "gold"),
]


def create_badges(apps, schema_editor):
    Badge = apps.get_model("accounts", "Badge")
    for slug, name, description, icon, level in BADGES:
        Badge.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "icon": icon, "level": level},
        )


def remove_badges(apps, schema_editor):
    apps.get_model("accounts", "Badge").objects.filter(slug__in=[b[0] for b in BADGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_suspension")]

    operations = [migrations.RunPython(create_badges, remove_badges)]
