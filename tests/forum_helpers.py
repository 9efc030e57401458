"""Building forum content the way users do: through services."""

from forums import services
from forums.models import Thread


def ask(
    author, space, title="How do I export a dashboard to CSV?", body="I tried the menu.", **kwargs
):
    kwargs.setdefault("kind", Thread.Kind.QUESTION)
    return services.thread_create(author=author, space=space, title=title, body=body, **kwargs)


def reply(author, thread, body="Use the export button in the top right.", **kwargs):
    return services.reply_create(author=author, thread=thread, body=body, **kwargs)
