"""Lumen's spaces, in the order they are listed (a space's position is its place here)."""

from .people import ACME
from .specs import SpaceSpec

SPACES = (
    SpaceSpec(
        slug="getting-started",
        name="Getting Started",
        icon="🚀",
        colour="#0ea5e9",
        description=(
            "New to Lumen? Set up your workspace, invite your team and build your first "
            "dashboard. No question is too basic here."
        ),
        is_featured=True,
    ),
    SpaceSpec(
        slug="dashboards",
        name="Dashboards & Reports",
        icon="📊",
        colour="#6366f1",
        description=(
            "Widgets, calculated fields, filters, scheduled reports and exports to PDF, CSV "
            "and Excel."
        ),
        is_featured=True,
    ),
    SpaceSpec(
        slug="data-connectors",
        name="Data Connectors",
        icon="🔌",
        colour="#14b8a6",
        description=(
            "Connecting Postgres, MySQL, Google Sheets, Salesforce and friends; sync schedules "
            "and sync errors."
        ),
        is_featured=True,
    ),
    SpaceSpec(
        slug="snowflake-bigquery",
        name="Snowflake & BigQuery",
        icon="❄️",
        colour="#38bdf8",
        description="Warehouse connectors: permissions, query costs and sync performance.",
        parent="data-connectors",
    ),
    SpaceSpec(
        slug="api",
        name="API & Integrations",
        icon="🧩",
        colour="#8b5cf6",
        description=(
            "The Lumen REST API, webhooks, embedded dashboards and alerts to Slack, Teams and "
            "e-mail."
        ),
    ),
    SpaceSpec(
        slug="billing",
        name="Billing & Accounts",
        icon="🧾",
        colour="#f59e0b",
        description="Plans, seats, invoices, VAT, single sign-on and account settings.",
    ),
    SpaceSpec(
        slug="announcements",
        name="Announcements",
        icon="📣",
        colour="#ef4444",
        description="Release notes, maintenance windows and news from the Lumen team.",
    ),
    SpaceSpec(
        slug="ideas",
        name="Ideas",
        icon="💡",
        colour="#eab308",
        description=(
            "Suggest what we should build next, vote on other people's ideas and follow them "
            "from 'under review' to 'done'."
        ),
        allow_ideas=True,
        is_featured=True,
    ),
    SpaceSpec(
        slug="comunidad-es",
        name="Comunidad en español",
        icon="🇪🇸",
        colour="#dc2626",
        description="Preguntas, respuestas y trucos de Lumen en español.",
        language="es",
    ),
    SpaceSpec(
        slug="community-nl",
        name="Nederlandstalige community",
        icon="🇳🇱",
        colour="#f97316",
        description="Vragen en antwoorden over Lumen, in het Nederlands.",
        language="nl",
    ),
    SpaceSpec(
        slug="komunitas-id",
        name="Komunitas Indonesia",
        icon="🇮🇩",
        colour="#e11d48",
        description="Tanya jawab dan berbagi pengalaman seputar Lumen dalam Bahasa Indonesia.",
        language="id",
    ),
    SpaceSpec(
        slug="acme-logistics",
        name="Acme Logistics",
        icon="🚚",
        colour="#0f766e",
        description=(
            "Private space for Acme Logistics and the Lumen team: your account, your roadmap "
            "requests and your renewal."
        ),
        visibility="organization",
        organization=ACME.slug,
    ),
)
