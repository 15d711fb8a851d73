"""The secretariat's drafting pages: a draft kept private, a bad grid, scores' decimals."""

from tests.conftest import browser, text
from tests.tenders.page_helpers import SPEC, tender


def test_a_draft_is_the_secretariats_and_a_bad_grid_is_refused(app, world):
    secretariat = browser(app, world["secretariat"])
    secretariat.post(
        "/tenders/new",
        data={
            "reference": "AO-2026-02",
            "title": "Fibre",
            "city_id": 0,
            "action_id": 0,
            "category": "works",
            "procedure": "open_call",
            "estimate": "500000",
        },
    )
    current = tender(app)
    assert browser(app, world["observer"]).get(f"/tenders/{current.id}").status_code == 404
    assert "AO-2026-02" not in text(browser(app, world["observer"]).get("/tenders"))
    response = secretariat.post(
        f"/tenders/{current.id}/specification",
        data={
            "criteria": "Méthodologie | 60\nÉquipe | 30",
            "method": "lowest_price",
            "normalization": "raw",
            "decimals": "2",
            "excessive_above": "20",
            "abnormal_below_works": "20",
            "abnormal_below_other": "25",
            "spread_limit": "20",
            "version": current.version,
        },
    )
    assert response.status_code == 422
    assert "totalisent 90 points : il en faut 100" in text(response)


def test_scores_may_be_published_without_decimals(app, world):
    secretariat = browser(app, world["secretariat"])
    secretariat.post(
        "/tenders/new",
        data={
            "reference": "AO-2026-03",
            "title": "Wi-Fi",
            "city_id": 0,
            "action_id": 0,
            "category": "works",
            "procedure": "open_call",
            "estimate": "500000",
        },
    )
    current = tender(app)
    response = secretariat.post(
        f"/tenders/{current.id}/specification",
        data={
            "criteria": SPEC,
            "method": "lowest_price",
            "normalization": "raw",
            "decimals": "0",
            "excessive_above": "20",
            "abnormal_below_works": "20",
            "abnormal_below_other": "25",
            "spread_limit": "20",
            "version": current.version,
        },
    )
    assert response.status_code == 302, text(response)
    assert tender(app).decimals == 0
