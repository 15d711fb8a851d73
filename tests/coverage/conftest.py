"""Coverage fixtures: `w` for the service tests, `world` and a fixed `_today` for pages."""

from datetime import date
from types import SimpleNamespace

import pytest

from portal import clock
from portal.extensions import db
from portal.models import OrganizationKind, Role, SiteKind
from portal.services import coverage
from tests.coverage.page_helpers import TODAY

# --- The service tests' world -----------------------------------------------------------------


@pytest.fixture
def w(ctx, make_city, make_org, make_user, make_domain):
    city, other = make_city(name="Marrakech"), make_city(name="Agadir")
    host = make_org(city=city, short_name="ARRONDISSEMENT", kind=OrganizationKind.COMMUNE)
    return SimpleNamespace(
        city=city,
        other=other,
        host=host,
        domain=make_domain(),
        secretariat=make_user(role=Role.SECRETARIAT),
        local=make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        local_other=make_user(role=Role.LOCAL_DECISION_MAKER, city=other),
        assessor=make_user(role=Role.EVALUATOR),
        assessor2=make_user(role=Role.EVALUATOR),
        host_contributor=make_user(role=Role.CONTRIBUTOR, organization=host),
    )


# --- The pages' world: three assessed sites, and the date the pages run on --------------------


CRITERIA = "! Local disponible\nPopulation desservie | 60\nAccessibilité | 40"


@pytest.fixture
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def world(app, make_city, make_org, make_user, make_domain):
    city = make_city(name="Marrakech", slug="marrakech")
    elsewhere = make_city(name="Agadir", slug="agadir")
    commune = make_org(city=city, short_name="CU Marrakech", kind=OrganizationKind.COMMUNE)
    utility = make_org(city=city, short_name="RADEEMA", kind=OrganizationKind.UTILITY)
    people = {
        "secretariat": make_user(role=Role.SECRETARIAT),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_elsewhere": make_user(role=Role.LOCAL_DECISION_MAKER, city=elsewhere),
        "first": make_user(role=Role.EVALUATOR),
        "second": make_user(role=Role.EVALUATOR),
        "host": make_user(role=Role.CONTRIBUTOR, organization=commune),
        "stranger": make_user(role=Role.CONTRIBUTOR, organization=utility),
        "observer": make_user(role=Role.OBSERVER),
    }
    make_domain()
    with app.app_context():
        s = {k: db.session.merge(v) for k, v in people.items()}
        city_row = db.session.merge(city)
        coverage.save_criteria(s["secretariat"], city_row, SiteKind.DIGITAL_SPACE, CRITERIA)
        sites = {}
        for name, lat in (
            ("EPN Médina", "31.63"),
            ("EPN Guéliz", "31.64"),
            ("EPN Massira", "31.6"),
        ):
            sites[name] = coverage.save_site(
                s["secretariat"],
                None,
                city_id=city.id,
                district=name.split()[1],
                kind="digital_space",
                name=name,
                address="Marrakech",
                latitude=lat,
                longitude="-7.99",
                host_organization_id=commune.id,
                estimated_cost="700000",
                today=date(2026, 3, 1),
            )
        db.session.flush()
        grid = coverage.criteria_set(city.id, SiteKind.DIGITAL_SPACE).criteria
        gate, population, access = grid

        def assess(user, site, pop, acc, passed=True):
            coverage.save_assessment(
                user,
                site,
                {
                    gate.id: coverage.AnswerInput(
                        passed=passed, reason="" if passed else "Pas de local"
                    ),
                    population.id: coverage.AnswerInput(points=pop),
                    access.id: coverage.AnswerInput(points=acc),
                },
                today=date(2026, 4, 1),
            )

        # Médina: (50 + 45) / 2 + (30 + 33) / 2 = 47.5 + 31.5 = 79.00
        assess(s["first"], sites["EPN Médina"], "50", "30")
        assess(s["second"], sites["EPN Médina"], "45", "33")
        # Guéliz: (40 + 41) / 2 + (35 + 36.5) / 2 = 40.5 + 35.75 = 76.25
        assess(s["first"], sites["EPN Guéliz"], "40", "35")
        assess(s["second"], sites["EPN Guéliz"], "41", "36.5")
        # Massira: 58 + 39 = 97, but the premises are missing: eliminated.
        assess(s["first"], sites["EPN Massira"], "58", "39", passed=False)
        db.session.commit()
        ids = {name: site.id for name, site in sites.items()}
    return {**people, "city": city, "elsewhere": elsewhere, "commune": commune, "sites": ids}
