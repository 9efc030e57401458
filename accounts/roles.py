"""Roles are Django groups holding named permissions; code asks ``user.has_perm``.

The groups are created by a data migration (``accounts/migrations/0002_roles``); later
capabilities add their permissions to the groups in their own migrations.
"""

STAFF = "Staff"
MODERATORS = "Moderators"
ADMINS = "Admins"
