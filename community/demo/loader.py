"""Writes the demo content through the services, acting as the member who would do each thing.

``seed()`` is safe to run again: it recognises what exists by username, space slug and
(space, thread title) and only creates what is missing. Call it inside one transaction.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import Organization, User
from accounts.services import organization_join_by_email
from community.models import Branding
from forums import services
from forums.models import Post, PostRevision, Reaction, Space, Thread
from forums.rendering import quote_markdown

from . import DEMO_PASSWORD, ORGANIZATIONS, PEOPLE, SPACES, THREADS
from .specs import ADMIN, MODERATOR, STAFF, OrganizationSpec, Person, SpaceSpec, ThreadSpec

ROLE_GROUPS = {ADMIN: roles.ADMINS, STAFF: roles.STAFF, MODERATOR: roles.MODERATORS}

BRANDING = {
    "site_name": "Lumen Community",
    "tagline": "Ask questions, share answers and shape what we build next",
    "primary_colour": "#0e7490",
}

# A fixed salt makes the demo hash reproducible, so a second run can tell that the password
# is still "demo" without hashing once per account. The password is public anyway.
PASSWORD_SALT = "lumendemoseed"

# Reactions arrive a little after the post they react to.
REACTION_DELAY = timedelta(hours=2)


@dataclass
class SeedResult:
    created: Counter = field(default_factory=Counter)

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())


def seed(*, now: datetime | None = None) -> SeedResult:
    """Create whatever part of the demo community is missing."""
    now = now or timezone.now()
    result = SeedResult()
    password = make_password(DEMO_PASSWORD, salt=PASSWORD_SALT)
    organizations = {spec.slug: organization_ensure(spec, result) for spec in ORGANIZATIONS}
    users = {
        person.username: user_ensure(person, password=password, now=now, result=result)
        for person in PEOPLE
    }
    for person in PEOPLE:
        if person.organization:
            organization_join_by_email(user=users[person.username], email=person.email)
    branding_ensure(result)
    actor = next(users[p.username] for p in PEOPLE if p.role == ADMIN)
    spaces: dict[str, Space] = {}
    for position, spec in enumerate(SPACES, start=1):
        spaces[spec.slug] = space_ensure(
            spec,
            position=position * 10,
            actor=actor,
            spaces=spaces,
            organizations=organizations,
            result=result,
        )
    touched: set[Space] = set()
    for spec in THREADS:
        space = spaces[spec.space]
        if thread_ensure(spec, space=space, users=users, now=now, result=result):
            touched.add(space)
    for space in sorted(touched, key=lambda s: s.position):
        services.space_synchronize(space=space)
    return result


def organization_ensure(spec: OrganizationSpec, result: SeedResult) -> Organization:
    organization, created = Organization.objects.get_or_create(
        slug=spec.slug, defaults={"name": spec.name, "domains": "\n".join(spec.domains)}
    )
    result.created["organizations"] += created
    return organization


def user_ensure(person: Person, *, password: str, now: datetime, result: SeedResult) -> User:
    """The account exists, signs in with the demo password (``password`` is its hash) and
    has its role and a verified primary address. A profile edited since is left alone."""
    is_admin = person.role == ADMIN
    is_staff = person.role in (ADMIN, STAFF)
    user = User.objects.filter(username=person.username).first()
    if user is None:
        user = User.objects.create(
            username=person.username,
            email=person.email,
            display_name=person.display_name,
            bio=person.bio,
            password=password,
            is_staff=is_staff,
            is_superuser=is_admin,
            date_joined=now - timedelta(days=person.joined_days_ago),
            trust_level=person.trust_level,
        )
        result.created["users"] += 1
    elif (user.password, user.is_staff, user.is_superuser) != (password, is_staff, is_admin):
        user.password = password
        user.is_staff = is_staff
        user.is_superuser = is_admin
        user.save(update_fields=["password", "is_staff", "is_superuser"])
    if person.role in ROLE_GROUPS:
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[person.role]))
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    elif not (address.verified and address.primary):
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])
    return user


def branding_ensure(result: SeedResult) -> None:
    """Brand a fresh site as Lumen; a site someone has already branded keeps its look."""
    branding = Branding.objects.filter(pk=1).first()
    if branding is None:
        branding = Branding()
    elif branding.site_name != Branding._meta.get_field("site_name").default:
        return
    for name, value in BRANDING.items():
        setattr(branding, name, value)
    branding.save()
    result.created["branding"] += 1


def space_ensure(
    spec: SpaceSpec,
    *,
    position: int,
    actor: User,
    spaces: dict[str, Space],
    organizations: dict[str, Organization],
    result: SeedResult,
) -> Space:
    existing = Space.objects.filter(slug=spec.slug).first()
    if existing is not None:
        return existing
    space = Space(
        slug=spec.slug,
        name=spec.name,
        kind=Space.Kind.FORUM,
        visibility=spec.visibility,
        description=spec.description,
        icon=spec.icon,
        colour=spec.colour,
        position=position,
        parent=spaces[spec.parent] if spec.parent else None,
        organization=organizations[spec.organization] if spec.organization else None,
        language=spec.language,
        allow_ideas=spec.allow_ideas,
        is_featured=spec.is_featured,
    )
    space = services.space_save(actor=actor, space=space)
    result.created["spaces"] += 1
    return space


def thread_ensure(
    spec: ThreadSpec, *, space: Space, users: dict[str, User], now: datetime, result: SeedResult
) -> Thread | None:
    """Play one thread as its members would: ask, reply, react, accept, pin, edit. Returns
    None when the thread is already there."""
    if Thread.objects.filter(space=space, title=spec.title).exists():
        return None
    author = users[spec.author]
    thread = services.thread_create(
        author=author,
        space=space,
        kind=spec.kind,
        title=spec.title,
        body=spec.body,
        tags=spec.tags,
    )
    posts = [Post.objects.get(thread=thread, position=1)]
    for reply in spec.replies:
        target = posts[reply.reply_to - 1] if reply.reply_to else None
        body = reply.body
        if reply.quote:
            body = _quoted(target, thread=thread, words=reply.quote) + body
        posts.append(
            services.reply_create(
                author=users[reply.author],
                thread=thread,
                body=body,
                reply_to=target,
                official=reply.official,
            )
        )
    _react(posts[0], spec.likes, (), users)
    for post, reply in zip(posts[1:], spec.replies, strict=True):
        _react(post, reply.likes, reply.helpful, users)
        if reply.accepted:
            services.answer_accept(actor=author, post=post)
    if spec.pinned:
        services.thread_moderate(actor=author, thread=thread, pinned=True)
    if spec.addendum:
        services.post_edit(editor=author, post=posts[0], body=f"{posts[0].body}\n\n{spec.addendum}")
    _backdate(spec, thread=thread, posts=posts, users=users, now=now)
    # thread_synchronize keeps the accepted answer it finds on the object it is given, so it
    # must see the row as answer_accept left it, not the copy thread_create returned.
    thread.refresh_from_db()
    services.thread_synchronize(thread=thread)
    result.created["threads"] += 1
    result.created["posts"] += len(posts)
    result.created["reactions"] += Reaction.objects.filter(post__in=posts).count()
    return thread


def _quoted(target: Post | None, *, thread: Thread, words: str) -> str:
    """The Markdown the composer inserts when a member quotes part of an earlier post."""
    if target is None or words not in target.body:
        raise ValueError(f"{thread.title!r}: a quote must be words from the post it answers")
    return quote_markdown(
        author_username=target.author.username,
        post_url=thread.get_post_url(target.position),
        post_id=target.pk,
        body=words,
    )


def _react(post: Post, likes, helpful, users: dict[str, User]) -> None:
    for username in likes:
        services.reaction_toggle(user=users[username], post=post, kind=Reaction.Kind.LIKE)
    for username in helpful:
        services.reaction_toggle(user=users[username], post=post, kind=Reaction.Kind.HELPFUL)


def _backdate(
    spec: ThreadSpec, *, thread: Thread, posts: list[Post], users: dict[str, User], now: datetime
) -> None:
    """Move the thread into the past: the question ``days_ago``, each reply its hours later."""
    opened = now - timedelta(days=spec.days_ago)
    times = [opened] + [opened + timedelta(hours=r.hours) for r in spec.replies]
    for post, at in zip(posts, times, strict=True):
        Post.objects.filter(pk=post.pk).update(created_at=at)
        Reaction.objects.filter(post=post).update(created_at=min(at + REACTION_DELAY, now))
    if spec.addendum:
        edited = min(times[-1] + timedelta(hours=1), now)
        Post.objects.filter(pk=posts[0].pk).update(edited_at=edited)
        PostRevision.objects.filter(post=posts[0]).update(created_at=edited)
    first_reply_at = first_staff_reply_at = None
    for reply, at in zip(spec.replies, times[1:], strict=True):
        if reply.author == spec.author:
            continue
        first_reply_at = first_reply_at or at
        if users[reply.author].has_perm("forums.mark_official"):
            first_staff_reply_at = first_staff_reply_at or at
    Thread.objects.filter(pk=thread.pk).update(
        created_at=opened,
        first_reply_at=first_reply_at,
        first_staff_reply_at=first_staff_reply_at,
        view_count=spec.views or 10 + 17 * len(spec.replies),
    )


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    sees: str


def demo_accounts() -> list[DemoAccount]:
    """The demo accounts as they are now in the database, for the table the command prints."""
    public = Space.objects.filter(visibility=Space.Visibility.PUBLIC, is_archived=False).count()
    users = User.objects.filter(username__in=[p.username for p in PEOPLE]).prefetch_related(
        "groups", "org_memberships__organization"
    )
    by_username = {user.username: user for user in users}
    accounts = []
    for person in PEOPLE:
        user = by_username.get(person.username)
        if user is not None:
            accounts.append(_describe(user, public_spaces=public))
    return accounts


def _describe(user: User, *, public_spaces: int) -> DemoAccount:
    groups = {group.name for group in user.groups.all()}
    organizations = [m.organization.name for m in user.org_memberships.all()]
    if user.is_superuser:
        role, extra = "Admin (superuser)", "Django admin /admin/"
    elif roles.STAFF in groups:
        role, extra = "Staff", "official answers, /insights/"
    elif roles.MODERATORS in groups:
        role, extra = "Moderator", "moderation queue /mod/"
    else:
        role, extra = "Customer", ""
    if organizations:
        role = f"{role}, {', '.join(organizations)}"
    visible = Space.objects.visible_to(user).filter(is_archived=False)
    private = list(
        visible.exclude(visibility=Space.Visibility.PUBLIC).values_list("name", flat=True)
    )
    if user.has_perm("forums.view_private_spaces"):
        sees = f"all {visible.count()} spaces, private too"
    elif private:
        sees = f"{public_spaces} public spaces + {', '.join(private)} (private)"
    else:
        sees = f"{public_spaces} public spaces"
    if extra:
        sees = f"{sees}; {extra}"
    return DemoAccount(username=user.username, role=role, sees=sees)
