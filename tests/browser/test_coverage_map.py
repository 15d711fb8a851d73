"""Digital coverage in a browser: the demo's candidate sites on the map and in the list, with
the same filters, and an assessor who scores a site that was waiting for its assessment.

The map's tiles come from the Internet; here every tile request is refused, as it would be
offline, and the markers must show all the same.
"""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_login_flows import sign_in

OBSERVER = "observateur@sdtn.demo"
ASSESSOR = "evaluateur@sdtn.demo"
CITY = "agadir"
CITY_NAME = "Agadir"
# Agadir's last public digital space stays proposed in the demo, and is the only proposed
# one there; it lies apart from the others, so its marker can be clicked alone.
LONE_SITE = "EPN Tikiouine"


@pytest.fixture
def coverage_counts(app, demo_data):
    """The number of sites in the database, in all and per city slug."""
    from portal.extensions import db
    from portal.models import City
    from portal.models.coverage import Site
    from seeds import coverage as data

    with app.app_context():
        per_city = dict(
            db.session.execute(
                sa.select(City.slug, sa.func.count(Site.id))
                .join(Site, Site.city_id == City.id)
                .group_by(City.slug)
            ).all()
        )
    # Every seeded site is there (37 in the demo: Marrakech 14, Fès 12, Agadir 11).
    assert per_city == {slug: len(sites) for slug, (_hosts, sites) in data.SITES.items()}
    return sum(per_city.values()), per_city


@pytest.fixture
def offline_tiles(page, live_server):
    """Every request that leaves the portal fails, as without a network (the map's tiles
    among them); the failed addresses are listed."""
    failed: list[str] = []
    page.route(
        lambda url: not url.startswith(live_server),
        lambda route: route.abort("internetdisconnected"),
    )
    page.on("requestfailed", lambda r: failed.append(r.url))
    return failed


def markers(page):
    return page.locator("#coverage-map .site-marker")


def clusters(page):
    return page.locator("#coverage-map .site-cluster")


def wait_for_map(page, expected: int) -> None:
    expect(page.locator("#coverage-map")).to_have_attribute("data-ready", str(expected))
    # Clusters animate as they form: wait until every site is drawn once.
    page.wait_for_function(
        """(expected) => {
            const map = document.getElementById("coverage-map");
            let count = map.querySelectorAll(".site-marker").length;
            for (const shown of map.querySelectorAll(".site-cluster [aria-hidden=true]")) {
                count += Number(shown.textContent);
            }
            return count === expected;
        }""",
        arg=expected,
    )


def fr(points: Decimal) -> str:
    """Points as the page writes them: two decimals after a comma."""
    return f"{points:.2f}".replace(".", ",")


def plural_sites(count: int) -> str:
    return f"{count} site" if count == 1 else f"{count} sites"


def test_map_and_list_show_the_seeded_sites_without_tiles(page, coverage_counts, offline_tiles):
    total, per_city = coverage_counts
    sign_in(page, OBSERVER)

    page.goto("/coverage/map")
    wait_for_map(page, total)
    # The section's own navigation says where one is.
    current = page.get_by_role("navigation", name="Couverture numérique").locator(
        "[aria-current=page]"
    )
    expect(current).to_have_text("Carte des sites")
    # At the programme's zoom each city's sites make one numbered group, named for a screen
    # reader; Enter on a group zooms into it and shows its sites one by one.
    expect(clusters(page)).to_have_count(len(per_city))
    expect(markers(page)).to_have_count(0)
    group = clusters(page).filter(has_text=re.compile(rf"^Groupe de {per_city[CITY]} sites"))
    expect(group).to_have_accessible_name(f"Groupe de {per_city[CITY]} sites : agrandir")
    group.focus()
    page.keyboard.press("Enter")
    expect(markers(page).first).to_be_visible()
    expect(group).to_have_count(0)
    expect(page.locator(".result-count")).to_have_text(f"{plural_sites(total)} sur la carte")
    # The tiles were asked for and none came, yet every site is drawn.
    assert any(u.endswith(".png") for u in offline_tiles), "no tile was requested"
    expect(page.locator("#coverage-map .leaflet-tile-loaded")).to_have_count(0)

    # Choosing a city reloads the map with that city's sites only.
    filters = page.locator("form.filters")
    filters.get_by_label("Ville").select_option(label=CITY_NAME)
    expect(page).to_have_url(re.compile(rf"/coverage/map\?.*city={CITY}"))
    wait_for_map(page, per_city[CITY])
    expect(page.locator(".result-count")).to_have_text(
        f"{plural_sites(per_city[CITY])} sur la carte"
    )
    expect(filters.get_by_label("Ville")).to_have_value(CITY)

    # A marker opens a popup that links to the site's page.
    lone = page.locator("#coverage-map .site-marker.site-proposed.site-kind-digital_space")
    expect(lone).to_have_count(1)
    # The keyboard reaches it too: it is focusable, named, and Enter opens its card.
    expect(lone).to_have_attribute("tabindex", "0")
    expect(lone).to_have_accessible_name(f"{LONE_SITE} — Espace public numérique — Proposé")
    lone.focus()
    page.keyboard.press("Enter")
    popup = page.locator("#coverage-map .leaflet-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text(f"{CITY_NAME}, Tikiouine — Espace public numérique — Proposé")
    popup.get_by_role("link", name=LONE_SITE, exact=True).click()
    expect(page).to_have_url(re.compile(r"/coverage/sites/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(LONE_SITE)
    expect(page.locator("#site-status")).to_have_text("Proposé")

    # The list, unfiltered then with the same city, counts the same sites as the map.
    page.goto("/coverage/sites")
    table = page.locator("#sites-table")
    expect(table.locator(".result-count")).to_have_text(plural_sites(total))
    page.locator("form.filters").get_by_label("Ville").select_option(label=CITY_NAME)
    expect(table.locator(".result-count")).to_have_text(plural_sites(per_city[CITY]))
    expect(page).to_have_url(re.compile(rf"/coverage/sites\?.*city={CITY}"))
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(min(per_city[CITY], 25))
    expect(rows.locator("td:nth-child(2)")).to_have_text([CITY_NAME] * min(per_city[CITY], 25))

    # Every city: the same count on the map and in the list, by their addresses.
    for slug, count in per_city.items():
        page.goto(f"/coverage/map?city={slug}")
        wait_for_map(page, count)
        page.goto(f"/coverage/sites?city={slug}")
        expect(page.locator("#sites-table .result-count")).to_have_text(plural_sites(count))
    # No script error: the conftest's page fixture fails the test on any.


@pytest.fixture
def waiting_site(app, demo_data):
    """A proposed public digital space that this assessor has not scored, with its criteria:
    (site id, name, eliminatory labels, {weighted label: weight})."""
    from portal.extensions import db
    from portal.models import User
    from portal.models.coverage import Assessment, Site, SiteKind, SiteStatus
    from portal.services import coverage

    with app.app_context():
        assessor = db.session.scalar(sa.select(User).where(User.email == ASSESSOR))
        mine = sa.select(Assessment.site_id).where(Assessment.assessor_id == assessor.id)
        site = db.session.scalar(
            sa.select(Site)
            .where(
                Site.status == SiteStatus.PROPOSED,
                Site.kind == SiteKind.DIGITAL_SPACE,
                Site.id.not_in(mine),
            )
            .order_by(Site.id)
            .limit(1)
        )
        assert site is not None, "the demo has no proposed site left to assess"
        assert not coverage.site_assessments(site), "nobody should have assessed it yet"
        criteria = coverage.criteria_set(site.city_id, site.kind).criteria
        return (
            site.id,
            site.name,
            [c.label for c in criteria if c.eliminatory],
            {c.label: int(c.weight) for c in criteria if not c.eliminatory},
        )


def test_an_assessor_scores_a_waiting_site(page, app, waiting_site):
    from portal.extensions import db
    from portal.models.coverage import Assessment

    site_id, name, gates, weights = waiting_site
    url = f"/coverage/sites/{site_id}"
    sign_in(page, ASSESSOR)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("#site-status")).to_have_text("Proposé")
    expect(page.get_by_text("Pas encore évalué.")).to_be_visible()
    page.get_by_role("button", name="Évaluer ce site").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Évaluer « {name} »")

    form = page.locator("form.assessment-form")
    for label in gates:
        group = form.get_by_role("group", name=f"Éliminatoire : {label}", exact=True)
        group.get_by_label("Rempli", exact=True).check()
    # Every weighted criterion shows its maximum in its label; give a little less, with a
    # half point on the first to go through the French decimal comma.
    fields = form.get_by_label(re.compile(r" — sur \d+ points$"))
    expect(fields).to_have_count(len(weights))
    points: dict[str, Decimal] = {}
    for number, (label, weight) in enumerate(weights.items()):
        field = form.get_by_label(f"{label} — sur {weight} points", exact=True)
        value = Decimal(weight) - 3 - number - (Decimal("0.5") if number == 0 else 0)
        points[label] = value
        field.fill(str(value).replace(".", ","))
    total = sum(points.values(), Decimal(0))
    first, first_weight = next(iter(weights.items()))
    over = form.get_by_label(f"{first} — sur {first_weight} points", exact=True)
    over.fill(str(first_weight + 1))
    form.get_by_label("Commentaire").fill("Visite du local avec l'organisme d'accueil.")

    # One note above its maximum: the form comes back with the message next to that field.
    form.get_by_role("button", name="Enregistrer mon évaluation").click()
    expect(over).to_have_attribute("aria-invalid", "true")
    message = f"« {first} » : une note entre 0 et {first_weight}, deux décimales au plus."
    expect(page.locator(f"#{over.get_attribute('id')}-errors")).to_have_text(message)
    expect(over).to_have_accessible_description(message)
    expect(page.locator(".field-error")).to_have_count(1)
    # What was typed is still there.
    expect(over).to_have_value(str(first_weight + 1))
    for label in gates:
        group = form.get_by_role("group", name=f"Éliminatoire : {label}", exact=True)
        expect(group.get_by_label("Rempli", exact=True)).to_be_checked()
    # And nothing was saved: the site still waits, seen from another tab.
    other = page.context.new_page()
    other.goto(url)
    expect(other.locator("#site-status")).to_have_text("Proposé")
    expect(other.get_by_text("Pas encore évalué.")).to_be_visible()
    other.close()
    with app.app_context():
        saved = db.session.scalar(
            sa.select(sa.func.count(Assessment.id)).where(Assessment.site_id == site_id)
        )
    assert saved == 0

    # Corrected, the assessment is saved and the site is assessed with the sum of the points.
    over.fill(str(points[first]).replace(".", ","))
    form.get_by_role("button", name="Enregistrer mon évaluation").click()
    expect(page).to_have_url(re.compile(rf"/coverage/sites/{site_id}$"))
    expect(
        page.locator(".flashes").get_by_text("Votre évaluation est enregistrée.")
    ).to_be_visible()
    expect(page.locator("#site-status")).to_have_text("Évalué")
    score = page.locator(".site-score")
    expect(score).to_contain_text(f"Score : {fr(total)} / 100")
    expect(score).to_contain_text("(1 évaluateur)")
    # Each criterion's points, out of its weight; the history names the assessor.
    for label, value in points.items():
        row = page.locator("tr").filter(has=page.get_by_role("rowheader", name=label, exact=True))
        expect(row).to_have_text(re.compile(rf"{re.escape(fr(value))}\s*/\s*{weights[label]}"))
    expect(page.locator("ol.history")).to_contain_text("Évalué (Rachid Alaoui)")


def test_a_site_name_is_shown_as_text_on_the_map(app, page, demo_data, offline_tiles):
    from portal.extensions import db
    from portal.models.coverage import Site

    with app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.name == LONE_SITE))
        site.name = '<b id="injected">EPN</b><a id="phish" href="https://example.org">Connexion</a>'
        db.session.commit()
    sign_in(page, OBSERVER)
    page.goto(f"/coverage/map?city={CITY}&status=proposed&kind=digital_space")
    wait_for_map(page, 1)
    markers(page).first.hover()
    tooltip = page.locator("#coverage-map .leaflet-tooltip")
    expect(tooltip).to_have_text(
        '<b id="injected">EPN</b><a id="phish" href="https://example.org">Connexion</a>'
    )
    expect(page.locator("#injected")).to_have_count(0)
    expect(page.locator("#phish")).to_have_count(0)


def test_tile_requests_carry_the_portal_origin_as_referer(page, live_server, demo_data):
    # OpenStreetMap's tile servers refuse requests without a Referer; the portal's pages
    # send none by default (Referrer-Policy: same-origin).
    referers: list[str | None] = []

    def refuse(route):
        referers.append(route.request.headers.get("referer"))
        route.abort("internetdisconnected")

    page.route(lambda url: not url.startswith(live_server), refuse)
    sign_in(page, OBSERVER)
    page.goto(f"/coverage/map?city={CITY}")
    expect(page.locator("#coverage-map")).to_have_attribute("data-ready", re.compile(r"\d+"))
    page.wait_for_timeout(300)
    assert referers, "no tile was requested"
    assert set(referers) == {live_server.rstrip("/") + "/"}
