"""English threads about using the product: getting started, dashboards and connectors."""

from .specs import DISCUSSION, QUESTION, Reply, ThreadSpec, md

GETTING_STARTED = (
    ThreadSpec(
        space="getting-started",
        kind=QUESTION,
        title="How do I invite my team without giving everyone edit rights?",
        author="alice",
        days_ago=58,
        tags=("permissions", "onboarding"),
        views=412,
        body=md("""
            We've just moved from the trial to the Team plan and I want to invite about
            fifteen colleagues. Most of them only need to *look* at the sales dashboards,
            but when I use **Settings → Members → Invite** everyone seems to arrive as an
            Editor, and I already caught someone dragging widgets around on the board
            report.

            Is there a way to invite people as read-only, or to lock a single dashboard?
        """),
        replies=(
            Reply(
                author="sam",
                hours=3.5,
                official=True,
                accepted=True,
                likes=("alice", "tom", "priya"),
                helpful=("alice", "tom"),
                body=md("""
                    Hi Alice, welcome to the Team plan! The role is chosen per invite; it
                    defaults to the role of the last invite you sent, which is why everyone
                    came in as Editor.

                    | Role | Can view | Can edit dashboards | Can manage connectors | Billing |
                    |---|---|---|---|---|
                    | Viewer | ✅ | — | — | — |
                    | Editor | ✅ | ✅ | — | — |
                    | Admin | ✅ | ✅ | ✅ | ✅ |

                    To fix the people already invited:

                    1. Go to **Settings → Members** and tick everyone who should only read.
                    2. Choose **Change role → Viewer**. They keep their saved filters.
                    3. For the board report, open the dashboard's **⋯ → Lock layout**; even
                       Editors then need to unlock it first, and the unlock is logged.

                    Viewers are free on the Team plan, so this also lowers your seat count.
                """),
            ),
            Reply(
                author="alice",
                hours=5,
                body="That was it, thank you! Twelve Viewers and three Editors now, and the "
                "board report is locked. 🙌",
            ),
        ),
    ),
    ThreadSpec(
        space="getting-started",
        kind=QUESTION,
        title='First dashboard shows "No data in selected range" although the sync succeeded',
        author="tom",
        days_ago=41,
        tags=("dashboards", "timezones"),
        views=236,
        body=md("""
            I connected our Postgres database yesterday; the connector page says
            `Last sync: succeeded, 48,210 rows`. But every widget on my new dashboard says
            **No data in selected range**. The date filter is set to *Today*.

            Querying the table directly, there are definitely rows with today's date.
            What am I missing?
        """),
        replies=(
            Reply(
                author="alice",
                hours=1.2,
                accepted=True,
                likes=("tom", "bob"),
                helpful=("tom",),
                body=md("""
                    I bet it's the time zone. I had exactly this in my first week: our
                    `created_at` column was a `timestamp without time zone` stored in UTC,
                    and the workspace was set to Europe/London, so "Today" started an hour
                    later than the data did, and before 1am there was nothing at all.

                    Check **Settings → Workspace → Time zone**, and on the dataset mark the
                    column as *UTC* under **Column → Date handling**. Then hit refresh on the
                    dashboard.
                """),
            ),
            Reply(
                author="tom",
                hours=2,
                body="Spot on, @alice. The column was naive UTC. Numbers showing now, cheers!",
            ),
            Reply(
                author="sam",
                hours=6,
                official=True,
                likes=("alice",),
                body=md("""
                    Thanks for helping out, @alice. To add to that: from release 4.12 new
                    Postgres connectors ask about naive timestamps during setup, so this
                    should bite fewer people. Existing connectors keep their setting;
                    **Column → Date handling** is the place to change it.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="getting-started",
        kind=DISCUSSION,
        title="What does your Lumen setup look like? Share your stack",
        author="priya",
        days_ago=52,
        tags=("community", "data-stack"),
        views=518,
        likes=("alice", "bob", "budi", "sanne"),
        body=md("""
            Curious how everyone has wired things up. Ours, at a small fintech:

            - **Sources:** Postgres (app), Stripe, HubSpot
            - **Warehouse:** BigQuery, modelled with dbt
            - **Lumen:** connected to the dbt marts only, never to raw tables
            - **Out:** two dashboards embedded in our customer portal, Slack alerts for
              failed payments

            What's yours? Especially interested in anyone who skipped the warehouse and
            points Lumen straight at production.
        """),
        replies=(
            Reply(
                author="bob",
                hours=2,
                likes=("priya",),
                body=md("""
                    Postgres read replica → Snowflake (Fivetran) → Lumen. We started by
                    pointing Lumen at the replica directly, which was fine until someone built
                    a dashboard with a 90-day `GROUP BY` over the events table at 9am on a
                    Monday. The warehouse has been worth it.
                """),
            ),
            Reply(
                author="alice",
                hours=5,
                likes=("priya",),
                body=md("""
                    Very unglamorous here: Shopify and Google Sheets straight into Lumen, no
                    warehouse. For a team of four analysts it's been enough, and the Sheets
                    connector means finance can still type their budgets in by hand.
                """),
            ),
            Reply(
                author="budi",
                hours=20,
                body=md("""
                    MySQL (orders) + a Postgres on AWS RDS (tracking events) → Lumen directly.
                    We use the Sync schedule to pull at 02:00 Jakarta time when nobody is
                    working. Planning BigQuery next year.
                """),
            ),
            Reply(
                author="priya",
                hours=26,
                reply_to=2,
                quote=(
                    "someone built a dashboard with a 90-day `GROUP BY` over the events "
                    "table at 9am on a Monday"
                ),
                body=md("""
                    @bob this is every analytics team's origin story 😄
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="getting-started",
        kind=QUESTION,
        title="Is there a keyboard shortcut to duplicate a widget?",
        author="bob",
        days_ago=19,
        tags=("dashboards", "shortcuts"),
        views=88,
        body=md("""
            Building a dashboard with twelve nearly identical KPI tiles and I'm getting tired
            of **⋯ → Duplicate**. Is there a shortcut?
        """),
        replies=(
            Reply(
                author="priya",
                hours=4,
                likes=("bob",),
                body=md("""
                    `Ctrl+D` (`⌘D` on a Mac) with the widget selected. `?` shows the full list
                    of shortcuts. Careful: in Firefox `Ctrl+D` bookmarks the page if the
                    widget has lost focus.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="getting-started",
        kind=QUESTION,
        title="Workspaces or folders for separate clients?",
        author="tom",
        days_ago=2.5,
        tags=("workspaces", "permissions"),
        views=21,
        body=md("""
            We're an agency and report for about twenty clients. Each client should only see
            their own dashboards, and we'd like to reuse one dashboard template across all
            of them.

            Is the intended way one workspace per client, or one workspace with a folder per
            client and folder permissions? Any experience with keeping templates in sync?
        """),
    ),
)

DASHBOARDS = (
    ThreadSpec(
        space="dashboards",
        kind=QUESTION,
        title="Scheduled PDF report cuts off the right-hand widgets",
        author="alice",
        days_ago=47,
        tags=("scheduled-reports", "pdf-export"),
        views=301,
        body=md("""
            Our Monday sales report goes out as a PDF at 07:00. On screen the dashboard has
            three columns, but in the PDF the third column is missing — it just stops at the
            edge of the page. Exporting by hand from the browser looks fine.

            Settings: A4, portrait, "Fit to page" ticked.
        """),
        replies=(
            Reply(
                author="sam",
                hours=5,
                official=True,
                accepted=True,
                likes=("alice", "diego"),
                helpful=("alice", "diego", "tom"),
                body=md("""
                    Hi Alice. Scheduled reports are rendered on our side at a fixed width of
                    1280 px, and "Fit to page" only scales *down* to 60%. A three-column
                    layout built on a wide screen can go past that.

                    Two ways out:

                    - switch the schedule to **A4 landscape**, which fits up to 1,600 px; or
                    - open **Dashboard → Layout → Print width** and set it to 1280 px. The
                      editor then shows a dashed line where the page ends.

                    Manual exports use your browser's width, which is why they looked right.
                """),
            ),
            Reply(
                author="alice",
                hours=7,
                body="Landscape did it. I didn't know about the print width guide, lovely.",
            ),
        ),
    ),
    ThreadSpec(
        space="dashboards",
        kind=QUESTION,
        title="CSV export turns our order IDs into 1.23457E+17",
        author="bob",
        days_ago=33,
        tags=("csv-export", "excel"),
        views=377,
        body=md("""
            When I export a table widget to CSV and open it, our 18-digit order IDs look like
            this:

            ```
            order_id,total,status
            1.23457E+17,59.90,shipped
            1.23457E+17,12.00,refunded
            ```

            The IDs are stored as `bigint`. Is the export losing precision?
        """),
        replies=(
            Reply(
                author="priya",
                hours=1.5,
                accepted=True,
                likes=("bob", "alice", "tom"),
                helpful=("bob", "alice"),
                body=md("""
                    The CSV is fine; that's Excel being Excel. Open the file in a text editor
                    and you'll see the full numbers. Excel converts anything that looks like
                    a number and only keeps 15 significant digits.

                    Either import it with **Data → From Text/CSV** and set the column type to
                    *Text*, or in Lumen set the column's format to **Text** before exporting,
                    which wraps the IDs so Excel leaves them alone.
                """),
            ),
            Reply(
                author="bob",
                hours=3,
                body="Confirmed in vim: the numbers are all there. Excel, you menace.",
            ),
            Reply(
                author="sam",
                hours=9,
                official=True,
                likes=("priya", "bob"),
                body=md("""
                    Great answer, @priya. One more option for whoever lands here from a
                    search: **Export → Excel (.xlsx)** writes the ID columns as text cells,
                    so nothing gets converted in the first place.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="dashboards",
        kind=QUESTION,
        title="Can one date filter apply to every tab of a dashboard?",
        author="sanne",
        days_ago=28,
        tags=("filters", "dashboards"),
        views=264,
        body=md("""
            Our management dashboard has four tabs (Sales, Fleet, Service, Finance). Every
            tab has its own date filter, so when the board wants "last quarter" they have to
            set it four times, and someone always forgets one.

            Is there a dashboard-wide filter?
        """),
        replies=(
            Reply(
                author="sam",
                hours=8,
                official=True,
                likes=("sanne",),
                body=md("""
                    Hi Sanne, not yet, I'm afraid: filters belong to a tab. A workaround that
                    a few customers use is to put the date range in the URL
                    (`?date=last_quarter`) and share that link; every tab reads it.

                    A real cross-tab filter is one of the most requested things, and there is
                    an idea for it in the Ideas space; please add your vote there.
                """),
            ),
            Reply(
                author="sanne",
                hours=10,
                body="The URL trick will do for now. Voted! 🗳️",
            ),
        ),
    ),
    ThreadSpec(
        space="dashboards",
        kind=QUESTION,
        title='Calculated field "share of total" returns NULL for some rows',
        author="diego",
        days_ago=24,
        tags=("calculated-fields", "sql"),
        views=198,
        body=md("""
            I have a calculated field to show each clinic's share of monthly revenue:

            ```sql
            SUM(revenue) / SUM(SUM(revenue)) OVER (PARTITION BY month)
            ```

            For most clinics it works, but for three of them I get `NULL` in some months,
            and the total in the footer is also `NULL`. Revenue is never null in the source.
        """),
        replies=(
            Reply(
                author="tom",
                hours=3,
                accepted=True,
                likes=("diego", "priya"),
                helpful=("diego",),
                body=md("""
                    Is `revenue` maybe null for months where a clinic was closed? A left join
                    on a calendar table would produce exactly that, even if the source table
                    itself has no nulls. `SUM` over only nulls is `NULL`, and then the
                    division is `NULL` too. Wrapping it fixes it:

                    ```sql
                    COALESCE(SUM(revenue), 0)
                      / NULLIF(SUM(COALESCE(SUM(revenue), 0)) OVER (PARTITION BY month), 0)
                    ```

                    The `NULLIF` also stops a division by zero in a month with no revenue.
                """),
            ),
            Reply(
                author="diego",
                hours=4,
                body="Exactly that: the dataset joins a calendar. Thanks Tom!",
            ),
            Reply(
                author="sam",
                hours=22,
                official=True,
                body=md("""
                    Nicely spotted. For reference, calculated fields use the SQL dialect of
                    the connected database, so `COALESCE` and `NULLIF` work on every
                    connector we support; `IFNULL` only on MySQL and BigQuery.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="dashboards",
        kind=DISCUSSION,
        title="Show us your best executive dashboard (screenshots welcome)",
        author="priya",
        days_ago=36,
        tags=("inspiration", "dashboards"),
        views=640,
        likes=("alice", "tom", "joost", "sari", "diego"),
        body=md("""
            I'm redoing our exec dashboard and looking for inspiration. My rules so far:

            1. Five numbers above the fold, no more.
            2. Every number has a comparison (vs. last month, vs. target).
            3. No pie charts. 🙃

            What works for your leadership team?
        """),
        replies=(
            Reply(
                author="carol",
                hours=4,
                likes=("priya", "alice"),
                body=md("""
                    Ours opens with a single "on-time delivery %" gauge, because that is the
                    only number our CEO asks about. Everything else is one click away on a
                    second tab. Rule 2 is the big one; a number without a comparison starts a
                    meeting instead of ending one.
                """),
            ),
            Reply(
                author="alice",
                hours=9,
                reply_to=1,
                likes=("priya",),
                quote="No pie charts. 🙃",
                body=md("""
                    Strongly agree, except the one pie chart our CFO loves, which I will
                    defend with my life.
                """),
            ),
            Reply(
                author="tom",
                hours=30,
                body=md("""
                    Tip from the agency side: put the "data last refreshed" time on the
                    dashboard. It saves about three e-mails a week.
                """),
                likes=("priya", "carol"),
            ),
        ),
    ),
    ThreadSpec(
        space="dashboards",
        kind=QUESTION,
        title="Heatmap widget ignores our custom colour palette",
        author="joost",
        days_ago=1.2,
        tags=("widgets", "branding"),
        views=14,
        body=md("""
            We set our company colours under **Settings → Branding → Palette**. Bar and line
            charts use them, but the heatmap is still blue-to-red. Is that a bug or is
            there a separate setting for heatmaps?
        """),
    ),
)

CONNECTORS = (
    ThreadSpec(
        space="data-connectors",
        kind=QUESTION,
        title='Postgres connector: "SSL SYSCALL error: EOF detected" during nightly sync',
        author="bob",
        days_ago=55,
        tags=("postgres", "sync-errors"),
        views=289,
        body=md("""
            Our nightly full sync of the `events` table (~40M rows) fails after about
            twenty minutes. The sync log says:

            ```
            02:21:07 UTC  sync  events  ERROR
            psycopg.OperationalError: SSL SYSCALL error: EOF detected
            server closed the connection unexpectedly
            ```

            Smaller tables sync fine. The database is Postgres 15 on a VM behind an Azure
            load balancer.
        """),
        replies=(
            Reply(
                author="sam",
                hours=2.5,
                official=True,
                accepted=True,
                likes=("bob", "budi"),
                helpful=("bob", "budi", "priya"),
                body=md("""
                    Hi Bob, that message almost always means something between us and the
                    database dropped an idle-looking connection. Azure's load balancer does
                    that after **4 minutes** without packets, and a long `COPY` can look idle
                    while Postgres is reading from disk.

                    Two changes, either is enough:

                    1. In the connector's **Advanced** tab, turn on *TCP keepalives* (we send
                       one every 60 seconds).
                    2. Or raise the idle timeout on the load balancer to 30 minutes.

                    Better still for a table that size: switch the sync to **Incremental**
                    on a timestamp column, so the nightly run only reads the new rows.
                """),
            ),
            Reply(
                author="bob",
                hours=27,
                body="Keepalives on, incremental on `inserted_at`: last night's sync took "
                "3 minutes instead of 20. Thanks Sam!",
                likes=("sam",),
            ),
        ),
        addendum="**Edit:** solved, see Sam's answer. Keepalives + incremental sync.",
    ),
    ThreadSpec(
        space="data-connectors",
        kind=QUESTION,
        title="Which IP addresses does Lumen connect from? Our firewall needs an allow-list",
        author="tom",
        days_ago=39,
        tags=("security", "networking"),
        views=455,
        body=md("""
            Our client's IT team won't open their MySQL server to the internet (fair), but
            they will allow-list specific addresses. Which IPs does Lumen use for syncs, and
            do they ever change?
        """),
        replies=(
            Reply(
                author="sam",
                hours=1.5,
                official=True,
                accepted=True,
                likes=("tom", "carol", "bob"),
                helpful=("tom", "carol", "sanne", "budi"),
                body=md("""
                    Syncs come from a fixed set of addresses per region; your region is the
                    one shown under **Settings → Workspace → Data region**.

                    | Region | Addresses |
                    |---|---|
                    | EU (Frankfurt) | `203.0.113.10`, `203.0.113.11` |
                    | US (Virginia) | `198.51.100.20`, `198.51.100.21` |
                    | APAC (Singapore) | `192.0.2.30`, `192.0.2.31` |

                    We announce any change at least 30 days ahead in Announcements. If the
                    database can't be reached from the internet at all, use an **SSH tunnel**
                    (bastion host) from the connector's **Network** tab.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="data-connectors",
        kind=QUESTION,
        title="Google Sheets connector only reads the first 1,000 rows",
        author="alice",
        days_ago=30,
        tags=("google-sheets", "sync-errors"),
        views=341,
        body=md("""
            Our budget sheet has 3,400 rows but the dataset in Lumen stops at exactly 1,000.
            No error on the connector page. Is there a row limit on Sheets?
        """),
        replies=(
            Reply(
                author="budi",
                hours=6,
                accepted=True,
                likes=("alice", "sari"),
                helpful=("alice",),
                body=md("""
                    I hit this too. Is the connector pointed at a *range* like `A1:H1000`
                    rather than the whole tab? That happens when you pick the data by
                    selecting cells during setup. Either choose the whole tab, or define a
                    named range with open rows (`Budget!A:H`) and point the connector at that.
                """),
            ),
            Reply(
                author="alice",
                hours=8,
                body="It was the range. I must have selected cells while setting it up. Thanks!",
            ),
            Reply(
                author="sam",
                hours=11,
                official=True,
                body=md("""
                    Thanks @budi. For completeness: there is no row limit of our own, but
                    Google's API caps a single sheet at 10 million cells. Above that, move the
                    data to BigQuery or a database.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="data-connectors",
        kind=QUESTION,
        title="Salesforce connector: INVALID_SESSION_ID after our password rotation",
        author="priya",
        days_ago=13,
        tags=("salesforce", "sync-errors", "oauth"),
        views=97,
        body=md("""
            Since our quarterly password rotation the Salesforce sync fails every hour with:

            ```
            sfdc.exceptions.SalesforceExpiredSession:
              INVALID_SESSION_ID: Session expired or invalid
            ```

            I reconnected the connector with the new credentials and it worked for one
            sync, then the same error again.
        """),
        replies=(
            Reply(
                author="sam",
                hours=4,
                official=True,
                body=md("""
                    Hi Priya. One sync working and then failing suggests the refresh token
                    is being revoked. Could you check in Salesforce **Setup → Connected Apps
                    OAuth Usage** whether the Lumen app has *Refresh token policy: expire
                    immediately*? And is the integration user perhaps also logging in
                    somewhere else with a session-per-user limit?
                """),
            ),
            Reply(
                author="priya",
                hours=29,
                body=md("""
                    Refresh token policy is "valid until revoked". The integration user is
                    shared with our Zapier account though, so that might be it. I'll ask IT
                    for a dedicated user and report back.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="data-connectors",
        kind=QUESTION,
        title="Incremental sync on a table without an updated_at column?",
        author="joost",
        days_ago=4,
        tags=("incremental-sync", "mysql"),
        views=31,
        body=md("""
            Our order system (an old MySQL 5.7 database) has an `orders` table with an
            auto-increment `id` but no timestamp columns. Full syncs take an hour. Can
            incremental sync use the `id` instead? Rows are never updated after insert.
        """),
    ),
)

WAREHOUSES = (
    ThreadSpec(
        space="snowflake-bigquery",
        kind=QUESTION,
        title='BigQuery: "User does not have bigquery.jobs.create permission"',
        author="sari",
        days_ago=44,
        tags=("bigquery", "permissions"),
        views=268,
        body=md("""
            Connecting BigQuery with a service account. The test connection fails:

            ```
            403 Access Denied: Project kopi-analytics: User does not have
            bigquery.jobs.create permission in project kopi-analytics.
            ```

            The service account has *BigQuery Data Viewer* on the dataset. What else does it
            need?
        """),
        replies=(
            Reply(
                author="sam",
                hours=3,
                official=True,
                accepted=True,
                likes=("sari", "budi"),
                helpful=("sari", "budi", "priya"),
                body=md("""
                    Hi Sari. Reading a table in BigQuery means running a query job, and jobs
                    are created at the *project* level. Data Viewer on the dataset lets the
                    account read, but not start the job. Add **BigQuery Job User** on the
                    project:

                    ```bash
                    gcloud projects add-iam-policy-binding kopi-analytics \\
                      --member="serviceAccount:lumen@kopi-analytics.iam.gserviceaccount.com" \\
                      --role="roles/bigquery.jobUser"
                    ```

                    Then test the connection again; IAM changes can take a minute to apply.
                """),
            ),
            Reply(
                author="sari",
                hours=4,
                body="Works now. Thank you, Sam! Terima kasih 🙏",
            ),
        ),
    ),
    ThreadSpec(
        space="snowflake-bigquery",
        kind=QUESTION,
        title="Snowflake warehouse resumes every five minutes because of Lumen",
        author="carol",
        days_ago=26,
        tags=("snowflake", "costs"),
        views=233,
        body=md("""
            Our Snowflake bill jumped last month. `QUERY_HISTORY` shows the `LUMEN_WH`
            warehouse resuming every five minutes, all day, each time for a tiny
            `SELECT MAX(updated_at)` query. Auto-suspend is 60 seconds, so we pay for a
            minute every five minutes.

            @sam is this expected? We only need the dashboards refreshed hourly.
        """),
        replies=(
            Reply(
                author="bob",
                hours=2,
                accepted=True,
                likes=("carol", "priya"),
                helpful=("carol", "priya"),
                body=md("""
                    That's the freshness check for *live* datasets. Each dataset set to
                    **Refresh: live** asks the warehouse whether anything changed, every five
                    minutes. Switch the datasets to **Refresh: hourly** (dataset settings →
                    Refresh) and the checks go with them.

                    We also gave Lumen its own XS warehouse with `AUTO_SUSPEND = 60`, so at
                    least those checks never keep a big warehouse awake.
                """),
            ),
            Reply(
                author="carol",
                hours=3,
                body="Three datasets were on live from an old experiment. Switched. Thanks Bob!",
            ),
            Reply(
                author="sam",
                hours=5,
                official=True,
                likes=("carol", "bob"),
                body=md("""
                    @bob is right. Since 4.12 the freshness check for Snowflake reads
                    `INFORMATION_SCHEMA.TABLES.LAST_ALTERED`, which is answered by the cloud
                    services layer and doesn't resume the warehouse at all. Live datasets are
                    therefore cheap again once you're on 4.12.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="snowflake-bigquery",
        kind=DISCUSSION,
        title="Keeping warehouse costs down with Lumen: what has worked for you?",
        author="bob",
        days_ago=21,
        tags=("costs", "snowflake", "bigquery"),
        views=302,
        likes=("carol", "priya", "budi"),
        body=md("""
            Following on from Carol's thread, a collection of what has actually saved us
            money:

            - a dedicated XS warehouse for Lumen, auto-suspend 60 s
            - dashboards on aggregated dbt models instead of raw event tables
            - "hourly" instead of "live" refresh for anything not operational

            What else?
        """),
        replies=(
            Reply(
                author="priya",
                hours=5,
                likes=("bob",),
                body=md("""
                    On BigQuery: partition the big tables by date and require a partition
                    filter (`require_partition_filter = true`). A dashboard without a date
                    filter then fails loudly instead of scanning 3 TB.
                """),
            ),
            Reply(
                author="budi",
                hours=30,
                body=md("""
                    BigQuery BI Engine reservation of 1 GB in front of our Lumen dashboards.
                    Most widget queries are now served from memory and cost nothing per
                    query.
                """),
            ),
        ),
    ),
)

THREADS = GETTING_STARTED + DASHBOARDS + CONNECTORS + WAREHOUSES
