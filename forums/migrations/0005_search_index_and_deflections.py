"""The full-text search index (forums.search.schema) and deflection events.

The index is not a model: on PostgreSQL a tsvector column on forums_post with triggers and
GIN indexes, on SQLite an FTS5 table with triggers. ``schema.install`` creates whichever
the database needs (and nothing on other vendors) and indexes the posts that exist.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install_search_index(apps, schema_editor):
    from forums.search import schema

    schema.install(schema_editor.connection)
    if schema_editor.connection.vendor == "postgresql":
        schema.rebuild(schema_editor.connection)


def remove_search_index(apps, schema_editor):
    from forums.search import schema

    schema.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0004_post_held_opening_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DeflectionEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("session_key", models.CharField(blank=True, max_length=40)),
                (
                    "query",
                    models.CharField(help_text="The title typed so far.", max_length=200),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("converted", models.BooleanField(default=False)),
                (
                    "converted_thread",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="forums.thread",
                    ),
                ),
                (
                    "space",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="forums.space",
                    ),
                ),
                (
                    "thread",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deflections",
                        to="forums.thread",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deflection_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["user", "-created_at"], name="deflection_user_created")
                ],
            },
        ),
        migrations.RunPython(install_search_index, remove_search_index, elidable=False),
    ]
