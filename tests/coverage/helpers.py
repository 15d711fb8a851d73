"""What the coverage service tests share: dates, the grid, quick sites and assessments."""

from datetime import date

import pytest

from portal.extensions import db
from portal.models import SiteKind, SiteStatus
from portal.services import coverage
from portal.services.coverage import AnswerInput

S = SiteStatus
DAY = date(2026, 3, 2)  # sites proposed and assessed
LATER = date(2026, 4, 15)  # decisions and deployment
GRID = "! Local disponible\nPopulation | 60\nAccès | 40"


def refused(error, call, *args, **kw):
    with pytest.raises(error) as caught:
        call(*args, **kw)
    assert caught.value.message, "a refusal always says why"
    return caught.value


def criteria(w, text=GRID, kind=SiteKind.DIGITAL_SPACE, actor=None):
    existing = coverage.criteria_set(w.city.id, kind)
    saved = coverage.save_criteria(
        actor or w.secretariat,
        w.city,
        kind,
        text,
        expected_version=existing.version if existing else None,
    )
    db.session.flush()
    return saved


def site_fields(w, **change):
    fields = {
        "city_id": w.city.id,
        "district": "Médina",
        "kind": SiteKind.DIGITAL_SPACE.value,
        "name": "Maison de quartier",
        "address": "Derb Dabachi",
        "latitude": "31.6295",
        "longitude": "-7.9811",
        "host_organization_id": w.host.id,
        "estimated_cost": "250000.00",
        "today": DAY,
    }
    return fields | change


def new_site(w, name="Maison de quartier", **change):
    site = coverage.save_site(w.secretariat, None, **site_fields(w, name=name, **change))
    db.session.flush()
    return site


def assess(user, site, sheet: dict, today=DAY):
    """sheet: criterion label -> points, or (passed, reason) for an eliminatory one."""
    answers = {}
    for c in coverage.criteria_set(site.city_id, site.kind).criteria:
        value = sheet[c.label]
        answers[c.id] = (
            AnswerInput(passed=value[0], reason=value[1])
            if c.eliminatory
            else AnswerInput(points=value)
        )
    done = coverage.save_assessment(user, site, answers, today=today)
    db.session.flush()
    return done


MET = (True, "")


def assessed_site(w, name="Maison de quartier", local=MET):
    site = new_site(w, name)
    assess(w.assessor, site, {"Local disponible": local, "Population": "40", "Accès": "30"})
    return site
