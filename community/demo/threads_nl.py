"""Draadjes in de Nederlandstalige community."""

from .specs import DISCUSSION, QUESTION, Reply, ThreadSpec, md

THREADS = (
    ThreadSpec(
        space="community-nl",
        kind=QUESTION,
        title="Dashboard laadt erg traag sinds we veertig widgets hebben",
        author="sanne",
        days_ago=46,
        tags=("prestaties", "dashboards"),
        views=233,
        body=md("""
            Ons managementdashboard is in een jaar gegroeid naar ongeveer veertig widgets,
            verdeeld over drie tabbladen. Openen duurt inmiddels bijna een halve minuut, en
            bij het wisselen van filter draait het wieltje weer net zo lang.

            Ligt dat aan het aantal widgets of aan onze database (Postgres)? Waar begin ik?
        """),
        replies=(
            Reply(
                author="sam",
                hours=4,
                official=True,
                accepted=True,
                likes=("sanne", "joost"),
                helpful=("sanne", "joost"),
                body=md("""
                    Hoi Sanne! Meestal is het een combinatie. Zo pak je het aan:

                    1. Open het dashboard met `?debug=timing` achter de URL. Je ziet dan per
                       widget hoe lang de query duurde; vaak zijn het er maar twee of drie
                       die alles ophouden.
                    2. Zet voor die widgets **Cache → 1 uur** aan. Managementcijfers hoeven
                       zelden tot op de minuut actueel te zijn.
                    3. Widgets op tabbladen die niet open staan, worden pas geladen als je
                       erop klikt. Verplaats dus minder gebruikte grafieken naar een apart
                       tabblad.

                    Met die drie stappen zien we dashboards vaak van dertig naar drie
                    seconden gaan.
                """),
            ),
            Reply(
                author="sanne",
                hours=30,
                body=md("""
                    Twee widgets bleken samen 22 seconden te kosten: allebei een
                    `COUNT(DISTINCT klant_id)` over twee jaar ritten. Cache aan en een
                    tabblad "Archief" gemaakt: nu laadt het in vier seconden. Dank je!
                """),
                likes=("sam", "joost"),
            ),
        ),
    ),
    ThreadSpec(
        space="community-nl",
        kind=QUESTION,
        title="Koppeling met Exact Online: kan dat?",
        author="joost",
        days_ago=38,
        tags=("exact-online", "connectoren"),
        views=176,
        body=md("""
            Onze boekhouding draait op Exact Online. Ik zie geen Exact-connector in de
            lijst. Heeft iemand omzet en openstaande posten uit Exact in Lumen gekregen, en
            zo ja, hoe? Ik ben geen programmeur, dus liefst iets zonder code.
        """),
        replies=(
            Reply(
                author="sanne",
                hours=3,
                accepted=True,
                likes=("joost",),
                helpful=("joost", "sam"),
                body=md("""
                    Wij doen het via Google Sheets: een kant-en-klare Exact-add-on voor Sheets
                    haalt elke nacht de grootboekmutaties en openstaande posten op, en de
                    Sheets-connector van Lumen leest dat blad uit. Geen code nodig, en voor
                    een paar duizend regels per maand werkt het prima.
                """),
            ),
            Reply(
                author="joost",
                hours=26,
                body="Zo ingericht en het werkt. Dank je wel, Sanne! 👍",
            ),
            Reply(
                author="sam",
                hours=31,
                official=True,
                likes=("sanne",),
                body=md("""
                    Mooie oplossing, @sanne. Een echte Exact Online-connector staat op onze
                    lijst; stem gerust op het idee in de Ideas-ruimte als je het wilt
                    versnellen. Bij meer dan honderdduizend regels raden we aan de gegevens
                    eerst naar een database te laten schrijven.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="community-nl",
        kind=DISCUSSION,
        title="Meetup in Utrecht: Lumen-gebruikers bij elkaar?",
        author="sanne",
        days_ago=20,
        tags=("meetup", "community"),
        views=141,
        likes=("joost", "sam", "mia"),
        body=md("""
            Er zitten hier best wat Nederlanders en Vlamingen. Zin in een informele avond
            in Utrecht om dashboards te laten zien en ervaringen uit te wisselen? Wij hebben
            een zaal met beamer bij ons op kantoor, vlak bij Utrecht Centraal.

            Voorstel: een donderdag in de tweede helft van de maand, van 17:30 tot 20:00,
            met pizza. Wie doet er mee?
        """),
        replies=(
            Reply(
                author="joost",
                hours=2,
                likes=("sanne",),
                body="Ik kom zeker! Vanuit Rotterdam is het zo gepiept.",
            ),
            Reply(
                author="sam",
                hours=8,
                likes=("sanne", "joost"),
                body=md("""
                    Wat leuk! Lumen betaalt de pizza, en als jullie willen neem ik een
                    preview van dark mode mee. 😉
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="community-nl",
        kind=QUESTION,
        title="Datumnotatie dd-mm-jjjj in CSV-exports",
        author="joost",
        days_ago=6,
        tags=("csv-export", "datums"),
        views=44,
        body=md("""
            Als ik een tabel naar CSV exporteer, staan de datums er als `2024-05-31` in.
            Onze administrateur wil ze als `31-05-2024`, anders leest haar pakket ze niet
            goed in. Kan ik het datumformaat van de export ergens instellen?
        """),
    ),
)
