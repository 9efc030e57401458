"""Which Celery tasks handle each outbox topic. Explicit on purpose: grep a topic to find
everything that happens after it. Each capability adds its handlers here.

Handlers receive the event's payload as keyword arguments and must be idempotent: the outbox
delivers at least once.
"""

HANDLERS: dict[str, list[str]] = {
    "post.created": ["moderation.score_post", "accounts.post_badges", "notifications.post_created"],
    "post.edited": ["moderation.score_post", "notifications.post_edited"],
    "answer.accepted": ["accounts.answer_accepted", "notifications.answer_accepted"],
    "post.official": ["notifications.post_official"],
    "reaction.added": ["accounts.reaction_added", "notifications.reaction_added"],
    # Moderation (moderation/services): a held post became visible (post_id); a decision the
    # author and any reporters should hear about (action_id: a ModerationAction, whose
    # reason is written for the author); a flag's outcome for its reporter (flag_id); items
    # that waited past STOA_MOD_REMIND_AFTER_MINUTES (item_ids).
    "post.published": ["accounts.post_badges", "notifications.post_published"],
    "moderation.decided": ["moderation.learn_from_decision", "notifications.moderation_decided"],
    "flag.resolved": ["notifications.flag_resolved"],
    "moderation.overdue": ["moderation.remind_moderators"],
    # Accounts: a new or changed profile (user_id), scored for spam by moderation.
    "user.signed_up": ["moderation.score_profile"],
    "user.profile_updated": ["moderation.score_profile"],
    # Ideas and reputation (forums/ideas.py, accounts/reputation.py, accounts/badges.py).
    # answer.unaccepted (thread_id, actor_id); reaction.removed (post_id, user_id, kind);
    # post.deleted (post_id, actor_id): what earned reputation no longer does.
    "answer.unaccepted": ["accounts.answer_unaccepted"],
    "reaction.removed": ["accounts.reaction_removed"],
    "post.deleted": ["accounts.post_deleted"],
    # idea.status_changed (thread_id, actor_id, status, previous_status, post_id: the
    # official reply): voters are to be told. idea.voted (thread_id, user_id);
    # idea.merged (duplicate_id, into_id, actor_id, moved_votes).
    "idea.status_changed": ["accounts.idea_status_changed", "notifications.idea_status_changed"],
    "idea.voted": ["accounts.idea_voted"],
    "idea.merged": ["accounts.idea_merged"],
    # A member earned a badge (user_badge_id, user_id, badge): announce it to them.
    "badge.granted": ["notifications.badge_granted"],
    # Private messages (forums/messaging.py). Every message post also emits post.created
    # like any post (spam scoring); message.created (post_id) is for telling the other
    # active participants (ThreadParticipant with left_at NULL; never watchers, space or tag
    # subscribers). A held message emits it only once moderation publishes it
    # (post.published). message.participant_added (thread_id, user_id, actor_id).
    "message.created": ["notifications.message_created"],
    "message.participant_added": [],
    # Groups and private spaces (forums/groups.py): an invitation to a space
    # (invitation_id; its link is /invite/<token>/), a join request for the group's owner
    # and moderators (join_request_id), a decided join request for its author
    # (join_request_id). Organizations (forums/orgs.py): an invitation e-mail to send
    # (invitation_id; link /org/invite/<token>/).
    "space.invited": ["notifications.space_invited"],
    "space.join_requested": ["notifications.join_requested"],
    "space.join_decided": ["notifications.join_decided"],
    "organization.invited": [],
}
