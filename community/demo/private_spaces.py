"""The private side of the demo community: member groups, an invite-only beta panel, Acme's
organization admin, and a few private conversations.

Content first (plain data, in the shapes of ``specs`` where they fit), then
``seed_private``, which plays it through the services as the members would, and is safe to
run again: groups and panels are recognised by slug, threads by space and title,
conversations by author and subject, invitations by space and invitee.

What it shows:

- *Retail & e-commerce analysts*, a public group started by Alice and featured by staff,
  with members and two threads;
- *Heads of BI*, a members-only group run by Priya, with Carol in it and Bob's join request
  waiting for Priya;
- *Lumen 5 beta panel*, an invite-only co-creation panel run by Sam: Alice and Carol
  accepted their invitations, Bob's is waiting on his home page, and nobody else can see it;
- Carol as the admin of Acme Logistics (whose private space and threads come with the
  people and spaces), with an invitation out to a contractor's address;
- conversations: Alice and Bob, Carol with Sam and Alice, Priya and Tom; some unread.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Organization, OrganizationInvitation, OrganizationMembership, User
from forums import groups, messaging, services
from forums.models import (
    JoinRequest,
    Post,
    ReadState,
    Space,
    SpaceInvitation,
    SpaceMembership,
    Thread,
)

from .loader import SeedResult, thread_ensure
from .people import ACME
from .specs import DISCUSSION, QUESTION, Reply, ThreadSpec, md


@dataclass(frozen=True)
class GroupSpec:
    slug: str
    name: str
    owner: str
    visibility: str
    description: str
    icon: str
    members: tuple[str, ...] = ()
    moderators: tuple[str, ...] = ()
    requests: tuple[tuple[str, str], ...] = ()  # (username, note)
    featured: bool = False


@dataclass(frozen=True)
class PanelSpec:
    slug: str
    name: str
    description: str
    icon: str
    colour: str
    run_by: str
    accepted: tuple[str, ...]
    invited: tuple[str, ...]


@dataclass(frozen=True)
class Message:
    author: str
    body: str
    hours: float  # after the conversation started


@dataclass(frozen=True)
class ConversationSpec:
    author: str
    to: tuple[str, ...]
    title: str
    body: str
    days_ago: float
    replies: tuple[Message, ...] = ()
    # Who has read everything; the others have read only their own messages.
    read_by: tuple[str, ...] = ()


GROUPS = (
    GroupSpec(
        slug="retail-analysts",
        name="Retail & e-commerce analysts",
        owner="alice",
        visibility=Space.Visibility.PUBLIC,
        icon="🛒",
        description=(
            "Dashboards for shops: basket size, returns, stock cover and the Black Friday "
            "war room. Anyone can read; join to post."
        ),
        members=("bob", "lucia", "priya", "tom"),
        moderators=("lucia",),
        featured=True,
    ),
    GroupSpec(
        slug="heads-of-bi",
        name="Heads of BI",
        owner="priya",
        visibility=Space.Visibility.MEMBERS,
        icon="🧭",
        description=(
            "A quiet room for people who run a BI team: hiring, budgets, saying no to "
            "the 40th dashboard. Members only; ask Priya to join."
        ),
        members=("carol",),
        requests=(("bob", "I run our data platform team of four. Would love to join."),),
    ),
)

PANEL = PanelSpec(
    slug="lumen-5-beta",
    name="Lumen 5 beta panel",
    description=(
        "Invite-only: customers trying the Lumen 5 editor before anyone else. What you see "
        "here is under NDA until launch."
    ),
    icon="🧪",
    colour="#7c3aed",
    run_by="sam",
    accepted=("alice", "carol"),
    invited=("bob",),
)

THREADS = (
    ThreadSpec(
        space="retail-analysts",
        kind=DISCUSSION,
        title="Which KPIs do you put on the shop-floor TV?",
        author="alice",
        days_ago=21,
        tags=("retail", "kpis"),
        views=64,
        body=md("""
            We are putting a TV in each of our two warehouses and the shop team wants
            "the numbers" on it. I am torn between orders per hour, pick accuracy and a
            simple traffic light for same-day dispatch.

            What do you show, and what did people actually look at after a month?
        """),
        replies=(
            Reply(
                author="tom",
                hours=3,
                likes=("alice", "lucia"),
                body=md("""
                    Orders per hour and the dispatch cut-off countdown. Everything else was
                    ignored after a week. Big numbers, no charts.
                """),
            ),
            Reply(
                author="lucia",
                hours=7,
                likes=("alice",),
                body=md("""
                    Same here. We added returns waiting to be processed, because that pile
                    was invisible until it blocked a whole aisle.
                """),
            ),
            Reply(
                author="alice",
                hours=30,
                body="Thanks both. Countdown plus returns pile it is; I'll report back.",
            ),
        ),
    ),
    ThreadSpec(
        space="retail-analysts",
        kind=QUESTION,
        title="How do you model returns in basket-size reports?",
        author="priya",
        days_ago=9,
        tags=("retail", "calculated-fields"),
        views=41,
        body=md("""
            Our average basket looks great until returns come in two weeks later. Do you
            subtract returns from the original order date, or report them on the day they
            come back?
        """),
        replies=(
            Reply(
                author="bob",
                hours=5,
                body=md("""
                    Both, as two widgets: *net basket by order date* for merchandising, and
                    *returns by return date* for the warehouse. A calculated field with the
                    return's order date does the first one.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="heads-of-bi",
        kind=DISCUSSION,
        title="How many dashboards does your team retire each year?",
        author="priya",
        days_ago=16,
        tags=("governance",),
        views=12,
        body=md("""
            We passed 400 dashboards and I suspect half are dead. Does anyone run a yearly
            clean-up? How do you decide what goes, and how do you tell the owners?
        """),
        replies=(
            Reply(
                author="carol",
                hours=4,
                body=md("""
                    Every January we archive anything nobody opened in 90 days and mail the
                    owners a list. Two complaints last year, both solved by restoring one
                    board.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="lumen-5-beta",
        kind=DISCUSSION,
        title="Beta week 1: first impressions of the new editor",
        author="sam",
        days_ago=6,
        tags=("beta",),
        views=19,
        body=md("""
            Welcome to the Lumen 5 beta! The new editor is switched on for your
            workspaces. This week we would love to hear what felt faster, what felt
            slower, and anything that broke. Screenshots welcome.
        """),
        replies=(
            Reply(
                author="alice",
                hours=20,
                likes=("sam",),
                body=md("""
                    Drag-to-resize is lovely. Undo lost my filter changes twice, though:
                    change a filter, move a widget, undo, and the filter is back to its old
                    value.
                """),
            ),
            Reply(
                author="sam",
                hours=26,
                body="Thanks Alice, reproduced: undo restores the whole widget state. Fix is in next week's build.",  # noqa: E501
            ),
            Reply(
                author="carol",
                hours=50,
                body=md("""
                    The tablet layout preview saves us a lot of guessing for the warehouse
                    screens. Could it remember the last device we picked?
                """),
            ),
        ),
    ),
)

CONVERSATIONS = (
    ConversationSpec(
        author="alice",
        to=("bob",),
        title="Your Postgres connector tip",
        days_ago=12,
        body=md("""
            Hi Bob, the read-replica trick from your thread saved our morning syncs. Did you
            need to change anything on the Lumen side, or only the connection string?
        """),
        replies=(
            Message(
                "bob",
                "Only the connection string, plus a longer timeout (60 s) for the first sync.",
                2,
            ),
            Message("alice", "Perfect, thank you! Coffee's on me if you're ever in Leeds.", 3),
        ),
        read_by=("alice", "bob"),
    ),
    ConversationSpec(
        author="carol",
        to=("sam", "alice"),
        title="Sharing the tablet layout with another customer?",
        days_ago=4,
        body=md("""
            Sam, Alice asked in the beta panel how we set up the warehouse tablets. Is it
            fine for me to share our layout file with her directly? It has no data in it.
        """),
        replies=(
            Message(
                "sam",
                "Yes, layouts carry no data or credentials. Export it from Share, then Layout.",
                1.5,
            ),
            Message("carol", "Great. Alice, here you go: I'll attach it once I'm at my desk.", 2),
        ),
        read_by=("carol", "sam"),
    ),
    ConversationSpec(
        author="priya",
        to=("tom",),
        title="dbt and Lumen: happy to compare notes",
        days_ago=2,
        body=md("""
            Hi Tom, I saw you're setting up dbt. We've run dbt into Lumen for two years; happy
            to do a 30-minute call if that helps.
        """),
    ),
)

ORG_INVITATION = "ops-contractor@example.net"


def seed_private(*, result: SeedResult, now: datetime | None = None) -> None:
    """Create whatever part of the private demo content is missing."""
    now = now or timezone.now()
    users = {user.username: user for user in User.objects.filter(is_active=True)}
    spaces: dict[str, Space] = {}
    for spec in GROUPS:
        spaces[spec.slug] = _group_ensure(spec, users=users, now=now, result=result)
    spaces[PANEL.slug] = _panel_ensure(PANEL, users=users, now=now, result=result)
    touched = set()
    for spec in THREADS:
        if thread_ensure(spec, space=spaces[spec.space], users=users, now=now, result=result):
            touched.add(spec.space)
    for slug in touched:
        services.space_synchronize(space=spaces[slug])
    for spec in CONVERSATIONS:
        _conversation_ensure(spec, users=users, now=now, result=result)
    _organization_admin_ensure(users=users, now=now, result=result)


def _group_ensure(spec: GroupSpec, *, users, now, result) -> Space:
    group = Space.objects.filter(slug=spec.slug).first()
    owner = users[spec.owner]
    if group is None:
        # Group founders have been around long enough to reach "basic" trust.
        User.objects.filter(pk=owner.pk, trust_level__lt=1).update(trust_level=1)
        owner.refresh_from_db(fields=["trust_level"])
        group = groups.group_create(
            owner=owner,
            name=spec.name,
            description=spec.description,
            visibility=spec.visibility,
            icon=spec.icon,
        )
        if group.slug != spec.slug:
            Space.objects.filter(pk=group.pk).update(slug=spec.slug)
            group.slug = spec.slug
        Space.objects.filter(pk=group.pk).update(created_at=now - timedelta(days=40))
        result.created["spaces"] += 1
    for username in spec.members:
        SpaceMembership.objects.get_or_create(space=group, user=users[username])
    for username in spec.moderators:
        SpaceMembership.objects.filter(space=group, user=users[username]).update(
            role=SpaceMembership.Role.MODERATOR
        )
    for username, note in spec.requests:
        user = users[username]
        asked = JoinRequest.objects.filter(space=group, user=user).exists()
        if not asked and not SpaceMembership.objects.filter(space=group, user=user).exists():
            groups.join_request_create(user=user, space=group, message=note)
    if spec.featured and not group.is_featured:
        staff = next(u for u in users.values() if u.has_perm("forums.manage_spaces"))
        groups.group_set_featured(actor=staff, group=group, featured=True)
    return group


def _panel_ensure(spec: PanelSpec, *, users, now, result) -> Space:
    runner = users[spec.run_by]
    panel = Space.objects.filter(slug=spec.slug).first()
    if panel is None:
        panel = services.space_save(
            actor=runner,
            space=Space(
                slug=spec.slug,
                name=spec.name,
                description=spec.description,
                icon=spec.icon,
                colour=spec.colour,
                visibility=Space.Visibility.INVITE,
                position=900,
            ),
        )
        result.created["spaces"] += 1
    SpaceMembership.objects.get_or_create(
        space=panel, user=runner, defaults={"role": SpaceMembership.Role.MODERATOR}
    )
    for username in (*spec.accepted, *spec.invited):
        user = users[username]
        if SpaceInvitation.objects.filter(space=panel, user=user).exists():
            continue
        if SpaceMembership.objects.filter(space=panel, user=user).exists():
            continue
        invitation = groups.invitation_create(actor=runner, space=panel, who=username, days=30)
        if username in spec.accepted:
            groups.invitation_accept(user=user, token=invitation.token)
    return panel


def _conversation_ensure(spec: ConversationSpec, *, users, now, result) -> None:
    author = users[spec.author]
    if Thread.objects.filter(kind=Thread.Kind.MESSAGE, author=author, title=spec.title).exists():
        return
    thread = messaging.conversation_start(
        author=author, to=list(spec.to), title=spec.title, body=spec.body
    )
    posts = [Post.objects.get(thread=thread, position=1)]
    for message in spec.replies:
        posts.append(
            services.reply_create(author=users[message.author], thread=thread, body=message.body)
        )
    started = now - timedelta(days=spec.days_ago)
    times = [started] + [started + timedelta(hours=m.hours) for m in spec.replies]
    for post, at in zip(posts, times, strict=True):
        Post.objects.filter(pk=post.pk).update(created_at=at)
    Thread.objects.filter(pk=thread.pk).update(
        created_at=started,
        last_activity_at=times[-1],
        first_reply_at=times[1] if len(times) > 1 else None,
    )
    # Everyone has read what they wrote; ``read_by`` have read it all.
    participants = {spec.author, *spec.to}
    for username in participants:
        if username in spec.read_by:
            read = len(posts)
        else:
            own = [p.position for p in posts if p.author.username == username]
            read = max(own, default=0)
        if read:
            ReadState.objects.update_or_create(
                user=users[username], thread=thread, defaults={"last_read_position": read}
            )
    result.created["threads"] += 1
    result.created["posts"] += len(posts)


def _organization_admin_ensure(*, users, now, result) -> None:
    acme = Organization.objects.filter(slug=ACME.slug).first()
    carol = users.get("carol")
    if acme is None or carol is None:
        return
    OrganizationMembership.objects.filter(organization=acme, user=carol).update(
        role=OrganizationMembership.Role.ADMIN
    )
    if not OrganizationInvitation.objects.filter(organization=acme, email=ORG_INVITATION).exists():
        from forums import orgs

        orgs.organization_invite(actor=carol, organization=acme, email=ORG_INVITATION, days=14)
