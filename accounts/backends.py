"""Permissions from the cache: every signed-in page asks ``user.has_perm`` (is this a
moderator? staff?), and Django's ModelBackend answers with two SQL queries per request (the
user's own permissions and those of their groups). Roles change rarely, so the two sets are
kept in the cache under a version that any change to roles or permissions bumps
(``accounts.signals``); the next request reads the new sets from the database."""

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

VERSION_KEY = "perms:version"
# Short enough that a change made while the cache was unreachable (its version bump lost)
# still counts within minutes.
TIMEOUT = 600


def permissions_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, None)
    return version


def permissions_changed() -> None:
    """Forget every cached permission set (a role or a permission changed)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 2, None)


class CachedPermissionsBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        sets = getattr(user_obj, "_stoa_perm_sets", None)
        if sets is None:
            key = f"perms:{permissions_version()}:{user_obj.pk}:{int(user_obj.is_superuser)}"
            sets = cache.get(key)
            if sets is None:
                sets = {
                    name: super(CachedPermissionsBackend, self)._get_permissions(
                        user_obj, obj, name
                    )
                    for name in ("user", "group")
                }
                cache.set(key, sets, TIMEOUT)
            user_obj._stoa_perm_sets = sets
            # ModelBackend (and backends built on it, like allauth's) read these attributes.
            user_obj._user_perm_cache = sets["user"]
            user_obj._group_perm_cache = sets["group"]
        return sets[from_name]


def members_of(group_names) -> frozenset[int]:
    """Ids of the users in any of these groups (roles such as Staff: a handful of people),
    cached under the same version as permissions, so a change of role shows at once."""
    names = sorted(group_names)
    key = f"perms:{permissions_version()}:groups:{','.join(names)}"
    ids = cache.get(key)
    if ids is None:
        from django.contrib.auth.models import Group

        ids = frozenset(
            Group.objects.filter(name__in=names, user__isnull=False).values_list(
                "user__id", flat=True
            )
        )
        cache.set(key, ids, TIMEOUT)
    return ids
