"""The private space of Acme Logistics: between Carol and Lumen's team only."""

from .specs import DISCUSSION, QUESTION, Reply, ThreadSpec, md

THREADS = (
    ThreadSpec(
        space="acme-logistics",
        kind=QUESTION,
        title="Renewal: adding 25 Viewer seats for the Tilburg warehouse team",
        author="carol",
        days_ago=25,
        tags=("renewal", "seats"),
        views=18,
        body=md("""
            Hi Sam, our Tilburg warehouse goes live on Lumen next month: 25 shift leads who
            only need the floor dashboards on tablets, plus 2 more Editors for the local
            planners.

            Can you confirm the Viewers are covered by our Business contract, and send a
            quote for the 2 Editor seats pro rata until the renewal in September?
        """),
        replies=(
            Reply(
                author="sam",
                hours=6,
                official=True,
                accepted=True,
                likes=("carol",),
                body=md("""
                    Hi Carol, good news on both:

                    - The 25 Viewers are covered: your contract includes up to 50 Viewers per
                      Editor seat, and you have 18 Editors.
                    - The quote for 2 Editor seats, pro rata until 30 September, is on its way
                      to you and to accounts payable, with your PO number on it.

                    For the tablets, the **TV mode** link with a device token saves the shift
                    leads from logging in at every shift change.
                """),
            ),
            Reply(
                author="carol",
                hours=8,
                body="Thanks Sam, quote received and forwarded to procurement.",
            ),
        ),
    ),
    ThreadSpec(
        space="acme-logistics",
        kind=QUESTION,
        title="Status of the Transporeon TMS connector we discussed",
        author="carol",
        days_ago=12,
        tags=("connectors", "roadmap"),
        views=11,
        body=md("""
            At the last review you mentioned a Transporeon connector might come this year.
            Is there an update? Until then we export CSVs from Transporeon every morning and
            load them by hand, which is our biggest manual step.
        """),
        replies=(
            Reply(
                author="sam",
                hours=20,
                body=md("""
                    Hi Carol, it's being scoped now. Product would like to use your
                    account as the design partner: a 45-minute call to walk through which
                    Transporeon objects you use (shipments, tenders, carrier scorecards?).
                    Could you share two or three time slots?

                    Until then, a scheduled upload into the Acme S3 bucket and our S3
                    connector would at least remove the manual load.
                """),
            ),
            Reply(
                author="carol",
                hours=23,
                body=md("""
                    Happy to be the design partner. Shipments and carrier scorecards are the
                    two we care about. Tuesday or Thursday afternoon next week both work.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="acme-logistics",
        kind=DISCUSSION,
        title="Quarterly business review: agenda",
        author="sam",
        days_ago=4,
        tags=("qbr",),
        views=9,
        body=md("""
            Hi Carol, a draft agenda for our quarterly review:

            1. Usage: active Editors and Viewers, most used dashboards
            2. Tilburg rollout: what went well, what didn't
            3. Transporeon connector: scope and timeline
            4. Your wishes for the next quarter (dark mode is coming 😉)

            Anything you'd like to add or drop?
        """),
        replies=(
            Reply(
                author="carol",
                hours=5,
                body=md("""
                    Looks good. Could we add 15 minutes on SSO? Our IT team wants to move
                    Lumen to the federation metadata URL before the next certificate
                    rotation.
                """),
            ),
        ),
    ),
)
