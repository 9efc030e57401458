from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("forums", "0003_groups_invitations_blocks")]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                condition=models.Q(("position", 1), models.Q(("state", "visible"), _negated=True)),
                fields=["thread"],
                name="post_held_opening",
            ),
        ),
    ]
