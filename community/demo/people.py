"""Who is in the demo community: Lumen's own people, and its customers in four markets."""

from .specs import ADMIN, CUSTOMER, MODERATOR, STAFF, OrganizationSpec, Person

ACME = OrganizationSpec(slug="acme-logistics", name="Acme Logistics", domains=("acme.example",))

ORGANIZATIONS = (ACME,)

PEOPLE = (
    Person(
        username="admin",
        display_name="Alex Morgan, Lumen",
        email="admin@lumen.example",
        role=ADMIN,
        bio="Runs the Lumen Community platform. Ping me if something on the site itself breaks.",
        joined_days_ago=420,
    ),
    Person(
        username="sam",
        display_name="Sam Rivera, Lumen Support",
        email="sam@lumen.example",
        role=STAFF,
        bio=(
            "Support engineer at Lumen, based in Valencia. Connectors, the API and anything "
            "that says 'sync failed'. I answer in English, Spanish and, with a little help, "
            "Dutch and Indonesian."
        ),
        joined_days_ago=410,
    ),
    Person(
        username="mia",
        display_name="Mia Kowalski",
        email="mia@lumen.example",
        role=MODERATOR,
        bio="Community moderator. Keeps threads friendly, tidy and on topic.",
        joined_days_ago=380,
    ),
    Person(
        username="alice",
        display_name="Alice Nguyen",
        email="alice@example.com",
        role=CUSTOMER,
        bio="Data analyst at an online garden retailer. Dashboards by day, tomatoes by night.",
        joined_days_ago=310,
    ),
    Person(
        username="bob",
        display_name="Bob Okafor",
        email="bob@example.com",
        role=CUSTOMER,
        bio="Platform engineer. I look after our Postgres, our Snowflake bill and the Lumen API.",
        joined_days_ago=290,
    ),
    Person(
        username="carol",
        display_name="Carol Jensen",
        email="carol@acme.example",
        role=CUSTOMER,
        bio="BI lead at Acme Logistics. Fleet, warehouse and on-time delivery dashboards.",
        joined_days_ago=260,
        organization=ACME.slug,
    ),
    Person(
        username="diego",
        display_name="Diego Fernández",
        email="diego@example.com",
        role=CUSTOMER,
        bio="Controller financiero en una cadena de clínicas dentales en Madrid.",
        joined_days_ago=180,
    ),
    Person(
        username="lucia",
        display_name="Lucía Martín",
        email="lucia@example.com",
        role=CUSTOMER,
        bio="Analista de e-commerce en Valencia. SQL, Shopify y demasiados cafés.",
        joined_days_ago=200,
    ),
    Person(
        username="sanne",
        display_name="Sanne de Vries",
        email="sanne@example.com",
        role=CUSTOMER,
        bio="Product analyst bij een fietsleasebedrijf in Utrecht.",
        joined_days_ago=230,
    ),
    Person(
        username="joost",
        display_name="Joost Bakker",
        email="joost@example.com",
        role=CUSTOMER,
        bio="Eigenaar van een groothandel in Rotterdam. Geen programmeur, wel cijferfan.",
        joined_days_ago=120,
    ),
    Person(
        username="budi",
        display_name="Budi Santoso",
        email="budi@example.com",
        role=CUSTOMER,
        bio="Data engineer di sebuah startup logistik di Jakarta.",
        joined_days_ago=150,
    ),
    Person(
        username="sari",
        display_name="Sari Wulandari",
        email="sari@example.com",
        role=CUSTOMER,
        bio="Mengelola laporan penjualan untuk jaringan toko kopi di Bandung.",
        joined_days_ago=140,
    ),
    Person(
        username="priya",
        display_name="Priya Raman",
        email="priya@example.com",
        role=CUSTOMER,
        bio="Analytics engineer at a London fintech. dbt, Python and embedded dashboards.",
        joined_days_ago=330,
    ),
    Person(
        username="tom",
        display_name="Tom Whitaker",
        email="tom@example.com",
        role=CUSTOMER,
        bio="Ops manager at a Manchester agency; the accidental Lumen admin of the team.",
        joined_days_ago=95,
    ),
)
