"""More ideas for the demo's ideas board, and what staff did with them: status changes
(``STEPS``) and a duplicate merged into the original (``MERGES``). Plain data; applied by
``community.demo.ideas.seed_ideas`` after the loader has created the threads."""

from .specs import IDEA, Reply, ThreadSpec, md

STAFF_VOICE = "sam"

THREADS = (
    ThreadSpec(
        space="ideas",
        kind=IDEA,
        title="Attach scheduled reports as PDF",
        author="priya",
        days_ago=52,
        tags=("scheduled-reports", "export"),
        views=530,
        idea_voters=("priya", "alice", "carol", "lucia", "sanne", "tom", "budi"),
        body=md("""
            Scheduled reports arrive as a link today. Our board members read them on their
            phones between meetings and want the report itself in the e-mail: a PDF of the
            dashboard, as it looked when the schedule ran.
        """),
        replies=(
            Reply(
                author="carol",
                hours=4,
                likes=("priya",),
                body="Same for our depot managers. A PDF also gives us an archive for audits.",
            ),
            Reply(
                author="tom",
                hours=30,
                likes=("priya", "carol"),
                body="Would be great if it respected the dashboard's filters at send time.",
            ),
        ),
    ),
    ThreadSpec(
        space="ideas",
        kind=IDEA,
        title="Annotations on charts",
        author="carol",
        days_ago=35,
        tags=("dashboards", "charts"),
        views=260,
        idea_voters=("carol", "sanne", "bob", "priya", "joost"),
        body=md("""
            Let us pin a note to a point on a line chart ("warehouse closed for stocktake",
            "price change") so that whoever reads the dashboard later knows why the line
            dips. Notes should show in scheduled reports too.
        """),
        replies=(
            Reply(
                author="sanne",
                hours=6,
                likes=("carol",),
                body="Ja! We now keep a separate spreadsheet of 'why did this spike'.",
            ),
        ),
    ),
    ThreadSpec(
        space="ideas",
        kind=IDEA,
        title="Public share links for dashboards",
        author="joost",
        days_ago=20,
        tags=("sharing", "dashboards"),
        views=175,
        idea_voters=("joost", "lucia", "sari", "diego", "tom", "alice", "bob"),
        body=md("""
            I want to show a dashboard to my suppliers without giving them a Lumen account:
            a read-only link, optionally with a password and an expiry date.
        """),
        replies=(
            Reply(
                author="lucia",
                hours=9,
                likes=("joost",),
                body="¡Sí! Y que se pueda revocar el enlace en cualquier momento.",
            ),
        ),
    ),
    ThreadSpec(
        space="ideas",
        kind=IDEA,
        title="Keyboard shortcuts in the dashboard editor",
        author="lucia",
        days_ago=6,
        tags=("editor", "accessibility"),
        views=96,
        idea_voters=("lucia", "priya", "bob", "alice", "diego", "sari"),
        body=md("""
            Moving and resizing widgets with the mouse is slow when you build many
            dashboards. Shortcuts for duplicate, align, nudge and undo would speed it up, and
            help people who cannot use a mouse well.
        """),
    ),
    ThreadSpec(
        space="ideas",
        kind=IDEA,
        title="Dark theme for TV mode",
        author="budi",
        days_ago=9,
        tags=("ui",),
        views=48,
        idea_voters=("budi", "carol", "sari", "alice"),
        body=md("""
            TV mode on the big screen in our operations room is very bright at night. Could
            it have a dark theme?
        """),
    ),
)

# Status changes staff made, in order: (status, hours after the idea was posted, comment).
STEPS: dict[str, tuple[tuple[str, float, str], ...]] = {
    "Dark mode for dashboards": (("planned", 201, "Moving this to planned, as promised above."),),
    "Alert me when a connector sync fails": (
        ("in_progress", 121, "Now in progress; we'll post here when it ships."),
    ),
    "Export a dashboard to PowerPoint": (
        ("declined", 61, "Closing this as declined for now. Votes still count if demand grows."),
    ),
    "Attach scheduled reports as PDF": (
        ("planned", 96, "Planned for 4.2, filters included as Tom suggests."),
        (
            "done",
            480,
            md("""
                Shipped in Lumen 4.2! Open a schedule, tick **Attach PDF**, and every e-mail
                carries the dashboard as it looked at send time, with its filters. Thanks for
                all the votes.
            """),
        ),
    ),
    "Annotations on charts": (
        ("planned", 140, "We love this one. It's planned for the second half of the year."),
    ),
}

# (duplicate, original): the duplicate's votes move to the original, once per member.
MERGES = (("Dark theme for TV mode", "Dark mode for dashboards"),)
MERGE_AFTER_HOURS = 30
