"""The steering report: its figures are the portal's own for the same day (the programme
page's milestone counts, the finance balances, the organisations' scorecards, the
expectations matrix's gaps, the sites); the secretariat attaches it to a meeting, whose
readers find it there as generated; a PDF in each language."""

import io
from datetime import timedelta

import sqlalchemy as sa
from pypdf import PdfReader

from portal import clock
from portal.extensions import db
from portal.models import (
    City,
    Commitment,
    Meeting,
    MeetingStatus,
    Site,
    SteeringReport,
    User,
)
from portal.models.types import utcnow
from portal.services import commitments as commitment_rules
from portal.services.diagnostic.expectations import matrix
from portal.services.finance.balances import balances
from portal.views.plans import _programme_counts
from seeds.demo import DEMO_PASSWORD
from tests.conftest import login, text


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def browser(app, user):
    """Signed in as a demo account."""
    client = app.test_client()
    assert login(client, user.email, DEMO_PASSWORD).status_code == 302
    return client


def _pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(page.extract_text() for page in pages).replace("\u200f", "")


def test_the_report_counts_as_the_portal_pages_do(app, demo_data):
    with app.app_context():
        today = clock.today()
        secretariat = _user("secretariat@sdtn.demo")
        marrakech = db.session.scalar(sa.select(City).where(City.slug == "marrakech"))
        city_id = marrakech.id
    client = browser(app, secretariat)
    start, end = today - timedelta(days=90), today
    query = f"?city=marrakech&start={start.isoformat()}&end={end.isoformat()}"
    page = client.get("/governance/report" + query)
    assert page.status_code == 200, text(page)
    with app.test_request_context():
        from portal.services.governance import report

        secretariat = _user("secretariat@sdtn.demo")
        city = db.session.get(City, city_id)
        figures = report.figures(secretariat, city, start, end, now=utcnow())
        # The programme page's counts for the city.
        counts = {"total": 0, "late": 0, "approved": 0}
        for found_city, _horizon, key, count in _programme_counts(today):
            if found_city == city_id and key in counts:
                counts[key] += count
        totals = figures["plan"]["totals"]
        assert (totals["total"], totals["late"], totals["done"]) == (
            counts["total"],
            counts["late"],
            counts["approved"],
        )
        assert totals["total"] > 0 and totals["done"] > 0
        # The finance pages' balances for the city.
        money = balances(secretariat, today=today, city_id=city_id).by_city[city_id]
        assert figures["money"]["paid"] == str(money.paid)
        assert figures["money"]["overdue"] == str(money.overdue)
        assert figures["money"]["committed"] == str(money.committed)
        # Each organisation's scorecard, as its profile counts it (here for the city).
        for card in figures["commitments"]:
            mine = db.session.scalars(
                sa.select(Commitment)
                .join(Commitment.organization)
                .where(Commitment.city_id == city_id)
                .where(Commitment.organization.has(short_name=card["organization"]))
            ).all()
            expected = commitment_rules.scorecard(mine, today)
            assert {k: card[k] for k in expected} == expected
        # The expectations matrix's gaps, and the sites by status.
        gaps = sum(e["unanswered"] for e in figures["expectations"])
        assert gaps == matrix(city_id).unanswered_count
        sites = db.session.scalar(
            sa.select(sa.func.count()).select_from(Site).where(Site.city_id == city_id)
        )
        assert sum(s["count"] for s in figures["sites"]) == sites
    html = text(page)
    assert (
        f'<tr id="plan-totals"><th scope="row">Total</th><td></td><td>{totals["total"]}</td>'
        in html
    )

    # The PDF in each language carries the same figures.
    for lang, title in (
        ("fr", "Rapport de pilotage — Marrakech"),
        ("en", "Steering report — Marrakesh"),
        ("ar", "تقرير القيادة"),
    ):
        response = client.get(f"/governance/report.{lang}.pdf{query}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        content = _pdf_text(response.data)
        assert title in content, lang
    # Only the secretariat draws up reports.
    with app.app_context():
        local = _user("local.marrakech@sdtn.demo")
    assert browser(app, local).get("/governance/report" + query).status_code == 403


def test_a_period_the_wrong_way_round_is_refused_on_its_field(app, demo_data):
    with app.app_context():
        secretariat = _user("secretariat@sdtn.demo")
    refused = browser(app, secretariat).get(
        "/governance/report?city=fes&start=2026-06-30&end=2026-06-01"
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="end-errors"' in body and 'value="2026-06-30"' in body
    assert "La fin de la période suit son début." in text(refused)


def test_the_secretariat_attaches_the_report_to_a_meeting(app, demo_data):
    with app.app_context():
        today = clock.today()
        secretariat = _user("secretariat@sdtn.demo")
        meeting = db.session.scalar(
            sa.select(Meeting)
            .join(Meeting.body)
            .where(
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.body.has(
                    city_id=sa.select(City.id).where(City.slug == "marrakech").scalar_subquery()
                ),
            )
        )
        meeting_id = meeting.id
    client = browser(app, secretariat)
    page = text(client.get(f"/governance/meetings/{meeting_id}"))
    # The demo's secretariat drew one up already; drawn up again, it replaces it.
    assert "Établir à nouveau et joindre" in page
    attached = client.post(
        f"/governance/meetings/{meeting_id}/report",
        data={"start": (today - timedelta(days=42)).isoformat(), "end": today.isoformat()},
    )
    assert attached.status_code == 302, text(attached)
    with app.app_context():
        stored = db.session.scalar(
            sa.select(SteeringReport).where(SteeringReport.meeting_id == meeting_id)
        )
        assert (
            stored.meeting_id == meeting_id and stored.figures["scope"]["name"]["fr"] == "Marrakech"
        )
        # The decisions of the body's past meeting are in it.
        assert any("calendrier des appels" in d["text"] for d in stored.figures["decisions"])
    with app.app_context():
        local = _user("local.marrakech@sdtn.demo")
        outsider = _user("local.fes@sdtn.demo")
    member = browser(app, local)
    shown = member.get(f"/governance/meetings/{meeting_id}/report")
    assert shown.status_code == 200 and "Rapport de pilotage — Marrakech" in text(shown)
    assert member.get(f"/governance/meetings/{meeting_id}/report.fr.pdf").status_code == 200
    # A member may read it, not draw it up; outside the body, the meeting does not exist.
    assert (
        member.post(
            f"/governance/meetings/{meeting_id}/report",
            data={"start": today.isoformat(), "end": today.isoformat()},
        ).status_code
        == 403
    )
    assert (
        browser(app, outsider).get(f"/governance/meetings/{meeting_id}/report").status_code == 404
    )
    # Published, the meeting is everyone's; its report stays the body's, and the amounts
    # stay with those who oversee the city's money.
    with app.app_context():
        db.session.get(Meeting, meeting_id).published = True
        db.session.commit()
        contributor = _user("contributeur@sdtn.demo")
    reader = browser(app, outsider)
    assert reader.get(f"/governance/meetings/{meeting_id}").status_code == 200
    assert reader.get(f"/governance/meetings/{meeting_id}/report").status_code == 404
    assert reader.get(f"/governance/meetings/{meeting_id}/report.fr.pdf").status_code == 404
    utility = text(browser(app, contributor).get(f"/governance/meetings/{meeting_id}/report"))
    assert "Les montants sont réservés" in utility and " MAD" not in utility
    assert " MAD" in text(shown)
