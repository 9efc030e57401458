"""Reputation: points through the outbox handlers, taken back with the content, rebuilt from
scratch to the same numbers."""

import random
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command

from accounts import reputation
from accounts.models import ReputationEvent, User
from accounts.tasks import answer_accepted, reaction_added
from forums import ideas, services
from forums.models import Post, Reaction, Thread

from .factories import SpaceFactory, UserFactory
from .forum_helpers import ask, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def settle(django_capture_on_commit_callbacks):
    """Run a block as a request would: commit, then the outbox relays to the handlers."""

    @contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block


@pytest.fixture
def space():
    return SpaceFactory(slug="help", allow_ideas=True)


def rep(*users) -> list[int]:
    return [User.objects.get(pk=u.pk).reputation for u in users]


def ledger() -> set[tuple[int, str, int]]:
    return set(ReputationEvent.objects.values_list("user_id", "key", "points"))


def test_an_accepted_answer_earns_its_author_fifteen(settle, member, other_member, space):
    with settle():
        question = ask(member, space)
        answer = reply(other_member, question)
    with settle():
        services.answer_accept(actor=member, post=answer)

    assert rep(member, other_member) == [0, 15]
    event = ReputationEvent.objects.get()
    assert event.kind == "answer_accepted"
    assert event.key == f"s{space.pk}:t{question.pk}:p{answer.pk}:accepted"


def test_a_replayed_event_counts_once(settle, member, other_member, space):
    question = ask(member, space)
    answer = reply(other_member, question)
    with settle():
        services.answer_accept(actor=member, post=answer)
    answer_accepted.apply(kwargs={"post_id": answer.pk, "actor_id": member.pk})
    answer_accepted.apply(kwargs={"post_id": answer.pk, "actor_id": member.pk})

    assert rep(other_member) == [15]
    assert ReputationEvent.objects.count() == 1


def test_no_points_for_accepting_ones_own_answer(settle, member, staff, space):
    question = ask(member, space)
    own = reply(member, question, body="Found it myself: the export is under Share.")
    with settle():
        services.answer_accept(actor=member, post=own)
    assert rep(member) == [0]

    # Staff may accept on anyone's question, but not to reward themselves.
    other = ask(member, space, title="Second question")
    staff_answer = reply(staff, other, body="Use the API.")
    with settle():
        services.answer_accept(actor=staff, post=staff_answer)
    assert rep(staff) == [0]
    assert not ReputationEvent.objects.exists()


def test_changing_or_undoing_the_accepted_answer_moves_the_points(
    settle, member, other_member, space
):
    carol = UserFactory(username="carol")
    question = ask(member, space)
    first = reply(other_member, question)
    second = reply(carol, question)
    with settle():
        services.answer_accept(actor=member, post=first)
    with settle():
        services.answer_accept(actor=member, post=second)
    assert rep(other_member, carol) == [0, 15]
    with settle():
        services.answer_unaccept(actor=member, thread=question)
    assert rep(other_member, carol) == [0, 0]
    assert not ReputationEvent.objects.exists()


def test_helpful_reactions_earn_five_and_go_when_taken_back(settle, member, other_member, space):
    carol = UserFactory(username="carol")
    question = ask(member, space)
    answer = reply(other_member, question)
    with settle():
        services.reaction_toggle(user=member, post=answer, kind="helpful")
        services.reaction_toggle(user=carol, post=answer, kind="helpful")
        services.reaction_toggle(user=carol, post=answer, kind="like")
    assert rep(other_member) == [10]
    with settle():
        services.reaction_toggle(user=carol, post=answer, kind="helpful")
    assert rep(other_member) == [5]
    # Off and on again within one request: the handlers settle on the last state.
    with settle():
        services.reaction_toggle(user=member, post=answer, kind="helpful")
        services.reaction_toggle(user=member, post=answer, kind="helpful")
    assert rep(other_member) == [5]
    reaction = Reaction.objects.get(user=member, kind="helpful")
    reaction_added.apply(kwargs={"reaction_id": reaction.pk})
    assert rep(other_member) == [5]


def test_an_idea_on_the_roadmap_earns_its_author_ten(settle, member, staff, space):
    idea = ask(member, space, title="Dark mode", kind="idea")
    with settle():
        ideas.idea_set_status(actor=staff, thread=idea, status="planned", comment="Next quarter.")
    assert rep(member) == [10]
    with settle():
        ideas.idea_set_status(actor=staff, thread=idea, status="in_progress", comment="Started.")
    assert rep(member) == [10]
    with settle():
        ideas.idea_set_status(actor=staff, thread=idea, status="declined", comment="Sorry.")
    assert rep(member) == [0]


def test_staff_moving_their_own_idea_earn_nothing(settle, staff, space):
    idea = ask(staff, space, title="Keyboard shortcuts", kind="idea")
    with settle():
        ideas.idea_set_status(actor=staff, thread=idea, status="planned", comment="Mine.")
    assert rep(staff) == [0]


def test_deleting_content_takes_its_points_back(settle, member, other_member, moderator, space):
    question = ask(member, space)
    answer = reply(other_member, question)
    tip = reply(other_member, question, body="Another tip")
    with settle():
        services.answer_accept(actor=member, post=answer)
        services.reaction_toggle(user=member, post=tip, kind="helpful")
    assert rep(other_member) == [20]

    with settle():
        services.post_delete(actor=other_member, post=tip)
    assert rep(other_member) == [15]

    with settle():
        services.post_delete(actor=moderator, post=Post.objects.get(thread=question, position=1))
    assert rep(other_member) == [0]
    assert not ReputationEvent.objects.exists()


def test_private_conversations_earn_nothing(settle, member, other_member):
    thread = Thread.objects.create(kind="message", title="Hi", author=member)
    post = Post.objects.create(thread=thread, position=1, author=member, body="x", body_html="x")
    Reaction.objects.create(post=post, user=other_member, kind="helpful")
    reputation.reputation_for_helpful(post_id=post.pk, reactor_id=other_member.pk)
    assert rep(member) == [0]
    assert reputation.expected_entries() == {}


def _random_history(rng: random.Random, space, people, staff, moderator, settle):
    """A few dozen of the actions that move reputation, in a random order."""
    questions, answers, idea_threads = [], [], []
    everyone = [*people, staff]
    for _ in range(70):
        action = rng.choice(
            ["ask", "answer", "answer", "accept", "unaccept", "helpful", "helpful", "idea",
             "status", "delete"]
        )  # fmt: skip
        with settle():
            if action == "ask" or not questions:
                questions.append(ask(rng.choice(people), space, title=f"Q{len(questions)}"))
            elif action == "answer":
                thread = rng.choice(questions)
                if not Thread.objects.get(pk=thread.pk).is_deleted:
                    answers.append(reply(rng.choice(everyone), thread, body=f"A{len(answers)}"))
            elif action == "accept" and answers:
                post = rng.choice(answers)
                post.refresh_from_db()
                thread = Thread.objects.get(pk=post.thread_id)
                if not post.is_deleted and not thread.is_deleted:
                    actor = rng.choice([User.objects.get(pk=thread.author_id), staff])
                    services.answer_accept(actor=actor, post=post)
            elif action == "unaccept" and questions:
                thread = Thread.objects.get(pk=rng.choice(questions).pk)
                if thread.accepted_post_id and not thread.is_deleted:
                    services.answer_unaccept(actor=staff, thread=thread)
            elif action == "helpful" and answers:
                post = Post.objects.get(pk=rng.choice(answers).pk)
                reactor = rng.choice(everyone)
                thread = Thread.objects.get(pk=post.thread_id)
                if reactor != post.author and not post.is_deleted and not thread.is_deleted:
                    services.reaction_toggle(user=reactor, post=post, kind="helpful")
            elif action == "idea":
                author = rng.choice(everyone)
                idea_threads.append(ask(author, space, title=f"I{len(idea_threads)}", kind="idea"))
            elif action == "status" and idea_threads:
                thread = Thread.objects.get(pk=rng.choice(idea_threads).pk)
                options = [s for s in ideas.STATUSES if s != thread.idea_status]
                if not thread.is_deleted:
                    ideas.idea_set_status(
                        actor=staff, thread=thread, status=rng.choice(options), comment="Update."
                    )
            elif action == "delete" and answers:
                post = Post.objects.get(pk=rng.choice(answers).pk)
                if rng.random() < 0.3:
                    post = Post.objects.get(thread_id=post.thread_id, position=1)
                if not post.is_deleted and not Thread.objects.get(pk=post.thread_id).is_deleted:
                    services.post_delete(actor=moderator, post=post)


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_rebuild_equals_the_incrementally_kept_reputation(settle, seed, staff, moderator, space):
    people = [UserFactory(username=f"p{seed}x{n}") for n in range(5)]
    _random_history(random.Random(seed), space, people, staff, moderator, settle)
    kept = dict(User.objects.values_list("pk", "reputation"))
    kept_ledger = ledger()
    assert any(kept.values()), "the random history earned nobody anything"
    assert kept == {pk: reputation.reputation_of([pk]).get(pk, 0) for pk in kept}, (
        "User.reputation drifted from its own ledger"
    )

    report = reputation.reputation_rebuild()
    assert report.added == report.removed == report.members_changed == 0
    assert dict(User.objects.values_list("pk", "reputation")) == kept
    assert ledger() == kept_ledger

    # From nothing at all: the same numbers again.
    ReputationEvent.objects.all().delete()
    User.objects.update(reputation=0)
    call_command("rebuild_reputation", stdout=StringIO())
    assert dict(User.objects.values_list("pk", "reputation")) == kept
    assert ledger() == kept_ledger


def test_rebuild_repairs_a_drifted_counter_and_says_what_it_did(
    settle, member, other_member, space
):
    question = ask(member, space)
    answer = reply(other_member, question)
    with settle():
        services.answer_accept(actor=member, post=answer)
    User.objects.filter(pk=other_member.pk).update(reputation=999)
    ReputationEvent.objects.create(user=member, kind="answer_accepted", points=15, key="bogus")
    User.objects.filter(pk=member.pk).update(reputation=15)

    out = StringIO()
    call_command("rebuild_reputation", stdout=out)

    assert rep(member, other_member) == [0, 15]
    assert "1 event added" not in out.getvalue()
    assert "1 event removed" in out.getvalue()
    assert "2 members" in out.getvalue()
