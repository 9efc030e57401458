"""English threads about the platform around the product: the API, billing, announcements
and the ideas board."""

from .specs import ANNOUNCEMENT, DISCUSSION, IDEA, QUESTION, Reply, ThreadSpec, md

API = (
    ThreadSpec(
        space="api",
        kind=QUESTION,
        title="API returns 429 Too Many Requests when paginating /v2/events",
        author="bob",
        days_ago=50,
        tags=("api", "rate-limits", "python"),
        views=508,
        body=md("""
            I'm pulling a day of events with the cursor API and after a few hundred pages I
            get:

            ```
            HTTP/1.1 429 Too Many Requests
            {"error": "rate_limited", "detail": "Request was throttled."}
            ```

            What are the limits, and what's the right way to back off? The docs page on
            rate limits just says "fair use".
        """),
        replies=(
            Reply(
                author="sam",
                hours=2,
                official=True,
                accepted=True,
                likes=("bob", "priya", "tom"),
                helpful=("bob", "priya", "budi", "alice"),
                body=md("""
                    Hi Bob, sorry about the vague docs; they're being rewritten. The limit is
                    per API key, and every response tells you where you stand:

                    | Header | Meaning |
                    |---|---|
                    | `X-RateLimit-Limit` | requests allowed per minute (600 on Team) |
                    | `X-RateLimit-Remaining` | requests left in the current minute |
                    | `Retry-After` | on a 429: seconds to wait before trying again |

                    Honour `Retry-After` and you'll never be throttled for long:

                    ```python
                    import time

                    import requests


                    def fetch_all(session: requests.Session, url: str):
                        params = {"limit": 500}
                        while url:
                            response = session.get(url, params=params, timeout=30)
                            if response.status_code == 429:
                                time.sleep(int(response.headers.get("Retry-After", "5")))
                                continue
                            response.raise_for_status()
                            page = response.json()
                            yield from page["data"]
                            url, params = page["next"], None
                    ```

                    With `limit=500` you also need far fewer requests than with the default
                    of 50.
                """),
            ),
            Reply(
                author="bob",
                hours=4,
                body="limit=500 plus Retry-After: the full day now takes 40 requests. 👍",
            ),
        ),
    ),
    ThreadSpec(
        space="api",
        kind=QUESTION,
        title="Webhook signature verification always fails in Node.js",
        author="priya",
        days_ago=37,
        tags=("webhooks", "javascript"),
        views=377,
        body=md("""
            I'm verifying the `Lumen-Signature` header on alert webhooks as the docs
            describe, but the comparison never matches:

            ```js
            app.post("/hooks/lumen", express.json(), (req, res) => {
              const expected = crypto
                .createHmac("sha256", process.env.LUMEN_WEBHOOK_SECRET)
                .update(JSON.stringify(req.body))
                .digest("hex");
              if (expected !== req.get("Lumen-Signature")) return res.sendStatus(401);
              // ...
            });
            ```

            The secret is definitely right (copied it twice). Any ideas?
        """),
        replies=(
            Reply(
                author="tom",
                hours=1,
                accepted=True,
                likes=("priya", "bob", "alice"),
                helpful=("priya", "bob"),
                body=md("""
                    `JSON.stringify(req.body)` isn't the body Lumen signed: key order and
                    whitespace change when Express parses and you re-serialise. You need the
                    raw bytes:

                    ```js
                    const rawJson = express.raw({ type: "application/json" });

                    app.post("/hooks/lumen", rawJson, (req, res) => {
                      const expected = crypto
                        .createHmac("sha256", process.env.LUMEN_WEBHOOK_SECRET)
                        .update(req.body) // a Buffer, exactly as received
                        .digest("hex");
                      const given = Buffer.from(req.get("Lumen-Signature") || "", "hex");
                      const ok = given.length === 32
                        && crypto.timingSafeEqual(given, Buffer.from(expected, "hex"));
                      if (!ok) return res.sendStatus(401);
                      const event = JSON.parse(req.body);
                      // ...
                    });
                    ```

                    Also use `timingSafeEqual` rather than `!==`.
                """),
            ),
            Reply(
                author="priya",
                hours=2,
                body="Of course, the raw body. Working now, thanks @tom!",
            ),
            Reply(
                author="sam",
                hours=20,
                official=True,
                likes=("tom",),
                body=md("""
                    Thanks Tom, that's exactly right. We've added a Node.js and a Python
                    example to the webhook docs with the raw-body version, and a note that
                    the signature covers the bytes as sent.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="api",
        kind=QUESTION,
        title="Can I create a dashboard from a template through the API?",
        author="alice",
        days_ago=16,
        tags=("api", "templates"),
        views=143,
        body=md("""
            We open a new online shop every few months and each one gets the same five
            dashboards, pointed at its own dataset. Doing that by hand takes an afternoon.
            Is there an endpoint to copy a dashboard and swap the dataset?
        """),
        replies=(
            Reply(
                author="sam",
                hours=6,
                official=True,
                likes=("alice",),
                body=md("""
                    Yes: `POST /v2/dashboards/{id}/copy` with a `dataset_map` that maps old
                    dataset IDs to new ones:

                    ```bash
                    curl -X POST https://api.lumen.example/v2/dashboards/db_71f2/copy \\
                      -H "Authorization: Bearer $LUMEN_API_KEY" \\
                      -H "Content-Type: application/json" \\
                      -d '{"title": "Shop Lisbon: sales", "folder_id": "fd_lisbon",
                           "dataset_map": {"ds_template_orders": "ds_lisbon_orders"}}'
                    ```

                    Calculated fields and filters are carried over; the columns must have the
                    same names in the new dataset.
                """),
            ),
            Reply(
                author="alice",
                hours=9,
                body="Perfect, I'll try this on the next shop and report back.",
            ),
        ),
    ),
    ThreadSpec(
        space="api",
        kind=QUESTION,
        title='Embedded dashboard shows "Signature expired" for some users',
        author="tom",
        days_ago=11,
        tags=("embedding", "security"),
        views=156,
        body=md("""
            We embed a dashboard in a client portal with signed URLs (10-minute expiry).
            Most users are fine, but a handful always get **Signature expired** straight
            away, even on a freshly generated link. Same browser, same portal.
        """),
        replies=(
            Reply(
                author="priya",
                hours=2,
                accepted=True,
                likes=("tom",),
                helpful=("tom", "bob"),
                body=md("""
                    Where are the URLs signed: in the browser or on your server? If the
                    portal builds the `exp` timestamp with `Date.now()` in the browser, then
                    anyone whose laptop clock is off by more than ten minutes gets an expired
                    link. Sign on the server and it goes away.
                """),
            ),
            Reply(
                author="tom",
                hours=5,
                body=md("""
                    Bingo. The portal computed `exp` client-side and those users' laptops
                    were still on a wrong time zone setting. Moved it to the backend.
                """),
            ),
            Reply(
                author="sam",
                hours=8,
                official=True,
                body=md("""
                    Good catch, @priya. Embed secrets must never reach the browser anyway:
                    with the secret in the page, anyone can sign a URL for any dashboard. If
                    it was ever in client code, please rotate it under **Settings → Embedding
                    → Rotate secret**.
                """),
                likes=("priya", "tom"),
            ),
        ),
    ),
    ThreadSpec(
        space="api",
        kind=QUESTION,
        title="Is there a Terraform provider for Lumen?",
        author="sanne",
        days_ago=3,
        tags=("terraform", "api"),
        views=27,
        body=md("""
            We manage everything else in Terraform and would love to keep connectors, users
            and alert rules in code too. Is there an official provider, or has anyone built
            one on top of the API?
        """),
    ),
    ThreadSpec(
        space="api",
        kind=DISCUSSION,
        title="Slack alerts: share your alert message templates",
        author="alice",
        days_ago=18,
        tags=("alerts", "slack"),
        views=211,
        likes=("bob", "priya", "sari"),
        body=md("""
            Our default alerts in Slack say "Metric *Orders* crossed threshold" and people
            have started to ignore them. I rewrote the template so it says what to do:

            ```
            :rotating_light: {{metric}} is {{value}} ({{change}} vs. last week)
            Dashboard: {{dashboard_url}}
            Owner: @{{owner}}; please check the checkout funnel first.
            ```

            What do yours look like?
        """),
        replies=(
            Reply(
                author="bob",
                hours=3,
                likes=("alice",),
                body=md("""
                    We add the threshold itself, because "is 412" means nothing without
                    "(alert below 500)". And we send to a channel, never to a person, so
                    someone on holiday doesn't become the single point of failure.
                """),
            ),
            Reply(
                author="sari",
                hours=28,
                reply_to=1,
                quote="Owner: @{{owner}}; please check the checkout funnel first.",
                body=md("""
                    Love the "what to check first" line. Stealing it for our stock alerts!
                """),
            ),
        ),
    ),
)

BILLING = (
    ThreadSpec(
        space="billing",
        kind=QUESTION,
        title="How are Viewer seats counted on the Team plan?",
        author="tom",
        days_ago=45,
        tags=("billing", "seats"),
        views=389,
        body=md("""
            We're on Team with 10 Editor seats. If I invite 40 client contacts as Viewers,
            does that change the invoice? The pricing page says "unlimited viewers" but
            there's an asterisk.
        """),
        replies=(
            Reply(
                author="sam",
                hours=4,
                official=True,
                accepted=True,
                likes=("tom", "alice"),
                helpful=("tom", "alice", "sanne"),
                body=md("""
                    Hi Tom. Viewers are free on Team and Business; the asterisk is the fair
                    use note: up to **50 Viewers per Editor seat**, so 500 for you. Viewers
                    who sign in with SSO or a guest link count the same way.

                    Your invoice only changes when you add Editor seats. You'll see the
                    viewer count under **Settings → Billing → Usage**.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="billing",
        kind=QUESTION,
        title="Can we pay by bank transfer instead of card?",
        author="carol",
        days_ago=34,
        tags=("billing", "invoices"),
        views=176,
        body=md("""
            Our finance team doesn't want company cards on subscriptions. Is paying by
            invoice and bank transfer possible, and from which plan?
        """),
        replies=(
            Reply(
                author="sam",
                hours=3,
                official=True,
                accepted=True,
                likes=("carol",),
                helpful=("carol", "diego"),
                body=md("""
                    Yes, on annual Business plans: we send an invoice with 30-day payment
                    terms, payable by SEPA or SWIFT transfer. Monthly plans are card-only.
                    Ask your account manager or write to billing@lumen.example and we'll
                    switch it; nothing changes for your users.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="billing",
        kind=QUESTION,
        title="Our VAT number is missing from the invoice",
        author="sanne",
        days_ago=14,
        tags=("billing", "vat", "invoices"),
        views=92,
        body=md("""
            We entered our VAT ID (NL…B01) in the billing settings but the last two invoices
            still don't show it, and they include 21% VAT. Our accountant needs the reverse
            charge note.
        """),
        replies=(
            Reply(
                author="sam",
                hours=5,
                official=True,
                likes=("sanne",),
                body=md("""
                    Hi Sanne, the VAT ID is checked against the EU VIES service when you save
                    it, and it only appears on invoices once that check succeeds. VIES was
                    down for a while that week, so yours may still be "pending". I've asked
                    billing to recheck it and reissue the two invoices with reverse charge.
                """),
            ),
            Reply(
                author="sanne",
                hours=50,
                body='Thanks. The settings page now says "verified"; waiting for the new invoices.',
            ),
        ),
    ),
    ThreadSpec(
        space="billing",
        kind=QUESTION,
        title='SSO with Azure AD: "SAML response signature is invalid"',
        author="priya",
        days_ago=22,
        tags=("sso", "saml", "azure-ad"),
        views=264,
        body=md("""
            SSO with Azure AD worked for months and since this morning everyone gets:

            ```
            SAML login failed: SAML response signature is invalid
            (certificate fingerprint does not match the configured IdP certificate)
            ```

            Nothing changed on our side, as far as I know. Password login is off, so
            nobody can get in. 😬
        """),
        replies=(
            Reply(
                author="carol",
                hours=0.5,
                accepted=True,
                likes=("priya", "bob", "tom"),
                helpful=("priya", "tom"),
                body=md("""
                    We had the same at Acme last year: Azure AD rotates the SAML signing
                    certificate automatically when it expires, and the new one has a
                    different fingerprint. In Azure go to **Enterprise applications → Lumen →
                    Single sign-on → SAML Certificates**, download the new *Certificate
                    (Base64)* and upload it in Lumen under **Settings → Security → SSO**.

                    An Admin can still get in through the break-glass link
                    `/login/?sso=0` to do that.
                """),
            ),
            Reply(
                author="priya",
                hours=1,
                body="That was it: the certificate rolled over last night. Back in. Thank "
                "you, @carol, you saved my morning.",
            ),
            Reply(
                author="sam",
                hours=2,
                official=True,
                likes=("carol", "priya"),
                body=md("""
                    Thanks @carol! Tip to avoid the surprise next time: under **Settings →
                    Security → SSO** you can paste the Azure *App Federation Metadata URL*
                    instead of a certificate. Lumen then picks up rotated certificates
                    automatically.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="billing",
        kind=QUESTION,
        title="Downgrading from Business to Team: what happens to our SSO setup?",
        author="bob",
        days_ago=5,
        tags=("billing", "sso", "plans"),
        views=39,
        body=md("""
            We're considering moving from Business to Team at renewal. SSO is listed as a
            Business feature. Would our users be locked out on day one, or can they switch
            to password login on their own?
        """),
    ),
)

ANNOUNCEMENTS = (
    ThreadSpec(
        space="announcements",
        kind=ANNOUNCEMENT,
        title="Welcome to the Lumen Community 👋",
        author="sam",
        days_ago=60,
        tags=("community", "guidelines"),
        views=1280,
        pinned=True,
        likes=("alice", "bob", "priya", "tom", "sanne", "budi"),
        body=md("""
            Welcome! This is the place to ask questions about Lumen, share what you've built
            and tell us what to build next. Lumen's support team reads every thread, and
            answers marked **Official** come from us.

            A few things that make it work:

            1. **Search first**: someone may have solved it already.
            2. **One question per thread**, with the error message as text (in a code
               block), not a screenshot.
            3. **Accept the answer** that solved it, so the next person finds it quickly.
            4. Be kind. @mia and the moderators keep things friendly and on topic.

            There are spaces in Spanish, Dutch and Indonesian too. ¡Bienvenidos, welkom,
            selamat datang!
        """),
        replies=(
            Reply(
                author="alice",
                hours=20,
                body="Glad this exists! Much nicer than e-mailing support for small things.",
            ),
        ),
    ),
    ThreadSpec(
        space="announcements",
        kind=ANNOUNCEMENT,
        title="Release 4.12: alert snoozing, faster BigQuery syncs and higher API limits",
        author="sam",
        days_ago=9,
        tags=("release-notes", "alerts", "api"),
        views=734,
        likes=("bob", "priya", "carol", "budi", "sari"),
        body=md("""
            Release 4.12 is rolling out to all workspaces this week. The highlights:

            | Area | What changed |
            |---|---|
            | Alerts | Snooze an alert for 1 hour, 1 day or until Monday, right from Slack |
            | BigQuery | Syncs use the Storage Read API: up to five times faster on large tables |
            | Snowflake | Freshness checks no longer resume a suspended warehouse |
            | API | Team plan limit raised from 300 to 600 requests per minute |
            | Connectors | Postgres setup asks how naive timestamps are stored |

            Full notes are in the changelog. Thanks to everyone whose threads and ideas led
            to these, especially @carol, @bob and @alice.
        """),
        replies=(
            Reply(
                author="budi",
                hours=6,
                likes=("sam",),
                body="BigQuery sync on our 80M-row table went from 14 to 3 minutes. Mantap! 🔥",
            ),
            Reply(
                author="carol",
                hours=26,
                body="The Snowflake change is very welcome. Our credits graph says thank you.",
            ),
        ),
    ),
)

IDEAS = (
    ThreadSpec(
        space="ideas",
        kind=IDEA,
        title="Dark mode for dashboards",
        author="alice",
        days_ago=57,
        tags=("ui", "accessibility"),
        views=690,
        idea_status="planned",
        idea_voters=("alice", "bob", "priya", "tom", "sanne", "budi", "lucia", "joost"),
        body=md("""
            Our warehouse team has dashboards on wall screens in a dim hall and the white
            background is glaring. A dark theme for dashboards (and TV mode in particular)
            would help a lot. Ideally per dashboard, so a board report can stay light.
        """),
        replies=(
            Reply(
                author="priya",
                hours=5,
                likes=("alice",),
                body="+1, and please make the chart colours adapt too, not just the background.",
            ),
            Reply(
                author="sam",
                hours=200,
                official=True,
                likes=("alice", "priya", "tom"),
                body=md("""
                    Good news: dark mode is **planned** for the next quarter, starting with
                    TV mode. Chart palettes will get a dark variant, and you'll be able to
                    set the theme per dashboard, as suggested.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="ideas",
        kind=IDEA,
        title="Dashboard-wide filters that apply to every tab",
        author="sanne",
        days_ago=27,
        tags=("filters", "dashboards"),
        views=402,
        idea_status="under_review",
        idea_voters=("sanne", "carol", "diego", "tom", "alice"),
        body=md("""
            Follow-up to my question in Dashboards & Reports: a filter (date range at least)
            that is defined once and applies to all tabs of a dashboard. Tabs could opt out
            of it individually.
        """),
        replies=(
            Reply(
                author="carol",
                hours=3,
                likes=("sanne",),
                body=md("""
                    Yes please. Bonus points if it also works for region/depot filters, not
                    only dates.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="ideas",
        kind=IDEA,
        title="Alert me when a connector sync fails",
        author="bob",
        days_ago=15,
        tags=("alerts", "sync-errors"),
        views=251,
        idea_status="in_progress",
        idea_voters=("bob", "priya", "budi", "carol", "sari"),
        body=md("""
            Alerts today only watch metrics. But the most expensive failure for us is a sync
            that silently stops: the dashboards keep showing yesterday's numbers and nobody
            notices until a meeting. I'd like an alert rule on **sync failed** or **no
            successful sync for N hours**, to Slack or e-mail.
        """),
        replies=(
            Reply(
                author="budi",
                hours=10,
                likes=("bob",),
                body="Same here. We check the connectors page by hand every morning now.",
            ),
            Reply(
                author="sam",
                hours=120,
                official=True,
                likes=("bob", "budi", "priya"),
                body=md("""
                    This is **in progress**. The first version will alert on failed syncs
                    and on "no successful sync in N hours", per connector, to any alert
                    channel you already use.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="ideas",
        kind=IDEA,
        title="Export a dashboard to PowerPoint",
        author="tom",
        days_ago=31,
        tags=("export", "scheduled-reports"),
        views=188,
        idea_status="declined",
        idea_voters=("tom", "diego"),
        body=md("""
            Our clients want the monthly report as slides they can edit. One slide per
            widget, with the title and the chart as an image, would save us hours each
            month.
        """),
        replies=(
            Reply(
                author="sam",
                hours=48,
                official=True,
                body=md("""
                    Thanks for the suggestion, Tom. We've looked at this carefully and are
                    **declining** it for now: editable charts in PowerPoint mean a second
                    rendering engine, and few teams asked for it. The PNG export per widget
                    (**⋯ → Download image**) plus the API covers most of the need; we'll
                    revisit if votes grow.
                """),
            ),
            Reply(
                author="diego",
                hours=60,
                body="Shame, but fair. The PNG export works for us in the meantime.",
            ),
        ),
    ),
)

THREADS = API + BILLING + ANNOUNCEMENTS + IDEAS
