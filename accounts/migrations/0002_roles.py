"""Create the Staff, Moderators and Admins groups with their permissions."""

from django.db import migrations

STAFF_PERMISSIONS = [
    "forums.manage_spaces",
    "forums.view_private_spaces",
    "forums.post_announcement",
    "forums.pin_thread",
    "forums.lock_thread",
    "forums.move_thread",
    "forums.accept_any_answer",
    "forums.mark_official",
    "forums.moderate_post",
]
MODERATOR_PERMISSIONS = [
    "forums.view_private_spaces",
    "forums.pin_thread",
    "forums.lock_thread",
    "forums.move_thread",
    "forums.moderate_post",
]
ROLES = {
    "Staff": STAFF_PERMISSIONS,
    "Moderators": MODERATOR_PERMISSIONS,
    "Admins": sorted(set(STAFF_PERMISSIONS) | set(MODERATOR_PERMISSIONS)),
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure they exist now.
    for app_label in ("forums", "accounts"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # the migration state's stub lacks this attribute
        create_permissions(app_config, verbosity=0, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("forums", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
