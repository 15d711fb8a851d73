"""Plans, actions and milestones through the pages people use (issue 3).

Each test builds what it needs with the factories, acts through HTTP as one person, checks
what that person would see, then checks the database in a short application context.
"""

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import openpyxl
import pytest
import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.models import (
    Action,
    ChangeRequest,
    ChangeRequestStatus,
    Domain,
    EventKind,
    Horizon,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
    Plan,
    PlanStatus,
    Role,
    StoredFile,
)
from tests.conftest import login

S = MilestoneStatus
TODAY = date(2026, 3, 16)
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SUBMIT_NOTE = "Rapport de diagnostic livré et présenté au comité."


# --- Helpers ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _frozen_today(monkeypatch):
    """Pages read "today" through portal.clock; every test here lives on the same day."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def page(response) -> str:
    """The page as a person reads it (entities such as &#39; turned back into text)."""
    return unescape(response.get_data(as_text=True))


def client_for(app, user):
    """A browser of its own for one person, signed in."""
    browser = app.test_client()
    response = login(browser, user)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def listed_titles(source) -> list[str]:
    """Titles of the milestones linked from a page (or a piece of it), in the order shown."""
    html = source if isinstance(source, str) else source.text
    return [unescape(title) for title in re.findall(r'<a href="/milestones/\d+">([^<]+)</a>', html)]


def section(html: str, start_marker: str, end_marker: str = "</section>") -> str:
    start = html.index(start_marker)
    return html[start : html.index(end_marker, start)]


def hidden_version(html: str) -> str:
    match = re.search(r'<input[^>]*name="version"[^>]*value="(\d+)"', html)
    assert match, "no version field in the form"
    return match.group(1)


def state(app, milestone_id: int) -> SimpleNamespace:
    """A milestone's stored values, read fresh from the database."""
    with app.app_context():
        m = db.session.get(Milestone, milestone_id)
        return SimpleNamespace(
            title=m.title,
            status=m.status,
            due_date=m.due_date,
            baseline_due_date=m.baseline_due_date,
            version=m.version,
            deliverable=m.deliverable,
            evidence_file_id=m.evidence_file_id,
            completion_note=m.completion_note,
            predecessor_ids=sorted(p.id for p in m.predecessors),
        )


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def events(app, milestone_id: int) -> list[tuple[EventKind, int | None, str]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(MilestoneEvent)
            .where(MilestoneEvent.milestone_id == milestone_id)
            .order_by(MilestoneEvent.id)
        )
        return [(e.kind, e.actor_id, e.comment) for e in rows]


def link_dependency(app, predecessor_id: int, successor_id: int) -> None:
    with app.app_context():
        successor = db.session.get(Milestone, successor_id)
        successor.predecessors.append(db.session.get(Milestone, predecessor_id))
        db.session.commit()


def uploaded_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def transition(browser, milestone, name: str, comment: str = "", version=None, **extra):
    data = {
        "transition": name,
        "comment": comment,
        "version": milestone.version if version is None else version,
        **extra,
    }
    kwargs = {"content_type": "multipart/form-data"} if "evidence" in extra else {}
    return browser.post(f"/milestones/{milestone.id}/transition", data=data, **kwargs)


def edit_data(milestone, **change) -> dict:
    data = {
        "title": milestone.title,
        "description": "",
        "deliverable": "",
        "responsible_organization_id": milestone.responsible_organization_id,
        "planned_start": "",
        "due_date": milestone.due_date.isoformat(),
        "change_reason": "",
        "version": milestone.version,
    }
    data.update(change)
    return data


@pytest.fixture
def site(make_city, make_org, make_plan, make_domain, make_action, make_user):
    """One city (Fès) with a draft plan, one action led by the commune, and its people."""
    city = make_city(name="Fès", slug="fes")
    other_city = make_city(name="Agadir", slug="agadir")
    commune = make_org(city=city, short_name="CFES", name="Commune de Fès")
    agency = make_org(city=city, short_name="AUF", name="Agence urbaine de Fès")
    plan = make_plan(city=city)
    domain = make_domain(name="E-administration")
    action = make_action(plan=plan, domain=domain, lead_organization=commune, code="EA01")
    people = SimpleNamespace(
        contributor=make_user(
            role=Role.CONTRIBUTOR, organization=commune, full_name="Karima Contributrice"
        ),
        colleague=make_user(role=Role.CONTRIBUTOR, organization=commune, full_name="Omar Collègue"),
        outsider=make_user(role=Role.CONTRIBUTOR, organization=agency, full_name="Aziz Externe"),
        local=make_user(role=Role.LOCAL_DECISION_MAKER, city=city, full_name="Leila Locale"),
        local_elsewhere=make_user(
            role=Role.LOCAL_DECISION_MAKER, city=other_city, full_name="Hamid Agadir"
        ),
        central=make_user(role=Role.CENTRAL_DECISION_MAKER, full_name="Nadia Ministère"),
        secretariat=make_user(role=Role.SECRETARIAT, full_name="Samir Secrétariat"),
        observer=make_user(role=Role.OBSERVER, full_name="Olivier Observateur"),
    )
    return SimpleNamespace(
        city=city,
        other_city=other_city,
        commune=commune,
        agency=agency,
        plan=plan,
        domain=domain,
        action=action,
        people=people,
    )


@pytest.fixture
def catalogue(make_city, make_org, make_plan, make_action, make_milestone):
    """Six milestones in two cities, one of each situation the filters tell apart."""
    fes, agadir = make_city(name="Fès", slug="fes"), make_city(name="Agadir", slug="agadir")
    fes_action = make_action(plan=make_plan(city=fes), code="FES1")
    agadir_action = make_action(plan=make_plan(city=agadir), code="AGA1")

    def add(action, title, status, due):
        return make_milestone(action=action, title=title, status=status, due_date=due)

    milestones = {
        "fes_late": add(fes_action, "Fès portail en retard", S.PLANNED, days(-10)),
        "fes_submitted": add(fes_action, "Fès guichet soumis", S.SUBMITTED, days(5)),
        "fes_local": add(fes_action, "Fès cadastre validé", S.APPROVED_LOCALLY, days(60)),
        "agadir_submitted": add(agadir_action, "Agadir wifi soumis", S.SUBMITTED, days(20)),
        "agadir_local": add(agadir_action, "Agadir parking validé", S.APPROVED_LOCALLY, days(100)),
        "agadir_done": add(agadir_action, "Agadir état civil achevé", S.APPROVED, days(-30)),
    }
    return SimpleNamespace(
        fes=fes, agadir=agadir, fes_action=fes_action, agadir_action=agadir_action, m=milestones
    )


def titles_of(catalogue, *keys) -> set[str]:
    return {catalogue.m[k].title for k in keys}


# --- 1. The milestone list --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            [
                "fes_late",
                "fes_submitted",
                "fes_local",
                "agadir_submitted",
                "agadir_local",
                "agadir_done",
            ],
        ),
        ("status=submitted", ["fes_submitted", "agadir_submitted"]),
        ("late=y", ["fes_late"]),
        ("due_within=30", ["fes_submitted", "agadir_submitted"]),
        ("q=SOUMIS", ["fes_submitted", "agadir_submitted"]),
        ("q=agadir&status=approved", ["agadir_done"]),
        # A wildcard typed in the search box is a character like any other.
        ("q=%25", []),
    ],
)
def test_list_filters_on_the_server(app, make_user, catalogue, query, expected):
    browser = client_for(app, make_user(role=Role.OBSERVER))
    response = browser.get(f"/milestones?{query}")
    assert response.status_code == 200
    assert set(listed_titles(response)) == titles_of(catalogue, *expected)
    assert f"{len(expected)} jalon" in page(response)


def test_list_filters_by_city(app, make_user, catalogue):
    browser = client_for(app, make_user(role=Role.OBSERVER))
    response = browser.get(f"/milestones?city={catalogue.fes.id}")
    assert set(listed_titles(response)) == titles_of(
        catalogue, "fes_late", "fes_submitted", "fes_local"
    )
    response = browser.get(f"/milestones?city={catalogue.agadir.id}&late=y")
    assert listed_titles(response) == []
    assert "Aucun jalon ne correspond à ces critères." in page(response)


def test_awaiting_my_decision_for_a_local_decision_maker_is_their_city_submitted_only(
    app, make_user, catalogue
):
    local = make_user(role=Role.LOCAL_DECISION_MAKER, city=catalogue.fes)
    response = client_for(app, local).get("/milestones?awaiting=y")
    assert response.status_code == 200
    assert set(listed_titles(response)) == titles_of(catalogue, "fes_submitted")


def test_awaiting_my_decision_for_a_central_decision_maker_is_every_approved_locally(
    app, make_user, catalogue
):
    central = make_user(role=Role.CENTRAL_DECISION_MAKER)
    response = client_for(app, central).get("/milestones?awaiting=y")
    assert set(listed_titles(response)) == titles_of(catalogue, "fes_local", "agadir_local")


def test_awaiting_my_decision_is_empty_for_someone_who_decides_nothing(app, make_user, catalogue):
    response = client_for(app, make_user(role=Role.OBSERVER)).get("/milestones?awaiting=y")
    assert response.status_code == 200
    assert listed_titles(response) == []


def test_list_sorts_by_due_date_either_way(app, make_user, catalogue):
    browser = client_for(app, make_user(role=Role.OBSERVER))
    by_due = sorted(catalogue.m.values(), key=lambda m: m.due_date)
    assert listed_titles(browser.get("/milestones")) == [m.title for m in by_due]
    assert listed_titles(browser.get("/milestones?sort=-due")) == [m.title for m in by_due][::-1]


def test_list_paginates_by_page_size(app, make_user, make_action, make_milestone):
    assert app.config["PAGE_SIZE"] == 25
    action = make_action()
    created = {
        make_milestone(action=action, title=f"Jalon paginé {n:02d}", due_date=days(n)).title
        for n in range(30)
    }
    browser = client_for(app, make_user(role=Role.OBSERVER))
    first = browser.get("/milestones")
    second = browser.get("/milestones?page=2")
    first_titles, second_titles = listed_titles(first), listed_titles(second)
    assert len(first_titles) == 25
    assert len(second_titles) == 5
    assert set(first_titles) | set(second_titles) == created
    assert not set(first_titles) & set(second_titles)
    assert "30 jalons" in page(first)
    assert "Page 1 sur 2" in page(first)
    assert 'rel="next"' in first.text
    assert 'rel="prev"' in second.text


def test_htmx_request_gets_only_the_table_fragment(app, make_user, catalogue):
    browser = client_for(app, make_user(role=Role.OBSERVER))
    fragment = browser.get("/milestones?status=submitted", headers={"HX-Request": "true"})
    full = browser.get("/milestones?status=submitted")
    assert fragment.status_code == 200
    assert set(listed_titles(fragment)) == titles_of(catalogue, "fes_submitted", "agadir_submitted")
    assert "<html" not in fragment.text
    assert 'role="search"' not in fragment.text
    assert "<html" in full.text and 'role="search"' in full.text
    for response in (fragment, full):
        assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize(
    "query", ["due_within=abc", "status=bogus", "city=abc", "sort=nonsense", "due_within=-4"]
)
def test_an_invalid_filter_value_gives_a_page_with_an_error_never_a_500(
    app, make_user, catalogue, query
):
    browser = client_for(app, make_user(role=Role.OBSERVER))
    response = browser.get(f"/milestones?{query}")
    assert response.status_code == 200
    assert listed_titles(response) == []
    assert 'class="field-error"' in response.text


# --- 2. Exports -------------------------------------------------------------------------------


def test_csv_export_holds_only_the_filtered_rows(app, make_user, catalogue):
    browser = client_for(app, make_user(role=Role.OBSERVER))
    response = browser.get(f"/milestones/export.csv?city={catalogue.fes.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["N°", "Ville", "Action"]
    column = {name: header.index(name) for name in ("Jalon", "État", "Échéance", "Ville")}
    by_title = {row[column["Jalon"]]: row for row in body}
    assert set(by_title) == titles_of(catalogue, "fes_late", "fes_submitted", "fes_local")
    submitted = by_title[catalogue.m["fes_submitted"].title]
    assert submitted[column["Échéance"]] == days(5).isoformat()
    assert submitted[column["État"]] == "Soumis"
    assert submitted[column["Ville"]] == "Fès"
    assert by_title[catalogue.m["fes_local"].title][column["État"]] == "Approuvé localement"


def test_xlsx_export_holds_only_the_filtered_rows(app, make_user, catalogue):
    browser = client_for(app, make_user(role=Role.OBSERVER))
    response = browser.get("/milestones/export.xlsx?status=submitted")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "spreadsheetml" in response.mimetype
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = list(rows[0]), rows[1:]
    title_col, status_col, due_col = (header.index(h) for h in ("Jalon", "État", "Échéance"))
    by_title = {row[title_col]: row for row in body}
    assert set(by_title) == titles_of(catalogue, "fes_submitted", "agadir_submitted")
    row = by_title[catalogue.m["agadir_submitted"].title]
    assert row[status_col] == "Soumis"
    due = row[due_col]
    assert (due.date() if isinstance(due, datetime) else due) == days(20)


def test_exports_never_hand_a_formula_to_the_spreadsheet(app, make_user, make_milestone):
    formula = '=HYPERLINK("http://example.org","Cliquez")'
    make_milestone(title=formula)
    browser = client_for(app, make_user(role=Role.OBSERVER))
    response = browser.get("/milestones/export.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    title_col = rows[0].index("Jalon")
    assert [row[title_col] for row in rows[1:]] == ["'" + formula]
    sheet = openpyxl.load_workbook(io.BytesIO(browser.get("/milestones/export.xlsx").data)).active
    cell = sheet.cell(row=2, column=title_col + 1)
    assert cell.data_type == "s"
    assert cell.value == formula


# --- 3. The milestone page --------------------------------------------------------------------


def test_milestone_page_shows_its_facts_dependencies_and_the_viewer_buttons(
    app, site, make_milestone
):
    before = make_milestone(action=site.action, title="Étude préalable", due_date=days(10))
    milestone = make_milestone(
        action=site.action, title="Guichet numérique ouvert", deliverable="Portail en ligne"
    )
    after = make_milestone(action=site.action, title="Bilan du guichet", due_date=days(200))
    link_dependency(app, before.id, milestone.id)
    link_dependency(app, milestone.id, after.id)

    response = client_for(app, site.people.contributor).get(f"/milestones/{milestone.id}")
    assert response.status_code == 200
    html = page(response)
    assert "<h1>Guichet numérique ouvert</h1>" in html
    assert '<span class="status status-planned">Prévu</span>' in html
    assert "<dt>Organisme responsable</dt><dd>Commune de Fès</dd>" in html
    assert "<dt>Livrable attendu</dt><dd>Portail en ligne</dd>" in html
    dependencies = section(html, 'id="dependencies-title"', "</article>")
    depends_on, conditions = dependencies.split("Conditionne")
    assert "Étude préalable" in depends_on and "Bilan du guichet" not in depends_on
    assert "Bilan du guichet" in conditions and "Étude préalable" not in conditions
    assert 'data-transition="start">Démarrer</button>' in html
    assert 'data-transition="submit"' not in html


def test_an_observer_sees_no_decision_form_and_cannot_comment(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.SUBMITTED)
    response = client_for(app, site.people.observer).get(f"/milestones/{milestone.id}")
    assert response.status_code == 200
    assert 'id="decision"' not in response.text
    assert "data-transition" not in response.text
    assert f'action="/milestones/{milestone.id}/comments"' not in response.text


def test_history_shows_who_moved_the_milestone_and_their_comment(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.IN_PROGRESS)
    browser = client_for(app, site.people.contributor)
    assert transition(browser, milestone, "submit", SUBMIT_NOTE).status_code == 302
    html = page(browser.get(f"/milestones/{milestone.id}"))
    history = section(html, 'id="history"')
    assert "Karima Contributrice" in history
    assert "a fait passer le jalon de « En cours » à « Soumis »" in history
    assert SUBMIT_NOTE in history


def test_unknown_milestone_is_not_found(app, site):
    browser = client_for(app, site.people.contributor)
    assert browser.get("/milestones/999999").status_code == 404
    response = browser.post("/milestones/999999/transition", data={"transition": "start"})
    assert response.status_code == 404


# --- 4. Transitions ---------------------------------------------------------------------------


def test_the_two_level_approval_through_the_pages(app, site, make_milestone):
    milestone = make_milestone(action=site.action)
    people = site.people
    contributor = client_for(app, people.contributor)

    response = transition(contributor, milestone, "start")
    assert response.status_code == 302
    assert state(app, milestone.id).status is S.IN_PROGRESS
    assert "Le jalon est maintenant « En cours »." in page(
        contributor.get(response.headers["Location"])
    )

    response = transition(contributor, milestone, "submit", SUBMIT_NOTE, version=2)
    assert response.status_code == 302
    stored = state(app, milestone.id)
    assert stored.status is S.SUBMITTED
    assert stored.completion_note == SUBMIT_NOTE

    local = client_for(app, people.local)
    assert 'data-transition="approve_local"' in local.get(f"/milestones/{milestone.id}").text
    assert transition(local, milestone, "approve_local", version=3).status_code == 302
    assert state(app, milestone.id).status is S.APPROVED_LOCALLY

    central = client_for(app, people.central)
    assert 'data-transition="approve_central"' in central.get(f"/milestones/{milestone.id}").text
    assert transition(central, milestone, "approve_central", "Conforme", version=4).status_code == (
        302
    )
    assert state(app, milestone.id).status is S.APPROVED
    kinds_and_actors = [(kind, actor) for kind, actor, _ in events(app, milestone.id)]
    assert kinds_and_actors == [
        (EventKind.TRANSITION, people.contributor.id),
        (EventKind.TRANSITION, people.contributor.id),
        (EventKind.TRANSITION, people.local.id),
        (EventKind.TRANSITION, people.central.id),
    ]


def test_submit_without_a_comment_is_refused_and_changes_nothing(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.IN_PROGRESS)
    browser = client_for(app, site.people.contributor)
    response = transition(browser, milestone, "submit", "   ")
    assert response.status_code == 422
    assert "Décrivez ce qui a été livré avant de soumettre." in page(response)
    assert state(app, milestone.id).status is S.IN_PROGRESS
    assert events(app, milestone.id) == []


def test_a_local_decision_maker_of_another_city_can_neither_see_nor_use_approval(
    app, site, make_milestone
):
    milestone = make_milestone(action=site.action, status=S.SUBMITTED)
    browser = client_for(app, site.people.local_elsewhere)
    detail = browser.get(f"/milestones/{milestone.id}")
    assert detail.status_code == 200
    assert 'data-transition="approve_local"' not in detail.text
    response = transition(browser, milestone, "approve_local")
    assert response.status_code == 403
    assert "Vous n'avez pas le droit de faire cette action sur ce jalon." in page(response)
    stored = state(app, milestone.id)
    assert stored.status is S.SUBMITTED
    assert stored.version == milestone.version


def test_a_contributor_cannot_approve_their_own_milestone(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.SUBMITTED)
    response = transition(client_for(app, site.people.contributor), milestone, "approve_local")
    assert response.status_code == 403
    assert state(app, milestone.id).status is S.SUBMITTED


def test_a_transition_from_the_wrong_status_says_why(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.SUBMITTED)
    response = transition(client_for(app, site.people.contributor), milestone, "start")
    assert response.status_code == 422
    assert "« Démarrer » n'est pas possible : le jalon est « Soumis »." in page(response)
    assert state(app, milestone.id).status is S.SUBMITTED


def test_a_stale_version_is_refused_and_changes_nothing(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.SUBMITTED)
    local = client_for(app, site.people.local)
    # Someone else saved the milestone meanwhile: the version the page was loaded with is old.
    with app.app_context():
        stored = db.session.get(Milestone, milestone.id)
        stored.deliverable = "Changé ailleurs"
        db.session.commit()
    response = transition(local, milestone, "approve_local", version=milestone.version)
    assert response.status_code == 409
    assert "modifié par quelqu'un d'autre" in page(response)
    stored = state(app, milestone.id)
    assert stored.status is S.SUBMITTED
    assert stored.version == milestone.version + 1


# --- 5. Evidence ------------------------------------------------------------------------------


def test_a_pdf_evidence_is_kept_and_downloaded_as_an_attachment(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.IN_PROGRESS)
    browser = client_for(app, site.people.contributor)
    response = transition(
        browser,
        milestone,
        "submit",
        SUBMIT_NOTE,
        evidence=(io.BytesIO(PDF_BYTES), "rapport.pdf"),
    )
    assert response.status_code == 302
    stored = state(app, milestone.id)
    assert stored.status is S.SUBMITTED
    assert stored.evidence_file_id is not None
    assert "rapport.pdf" in page(browser.get(f"/milestones/{milestone.id}"))

    # Anyone who may see the milestone may read its evidence.
    download = client_for(app, site.people.observer).get(f"/milestones/{milestone.id}/evidence")
    assert download.status_code == 200
    assert download.data == PDF_BYTES
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "rapport.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # Kept by no cache, shared or the browser's own.
    assert download.headers["Cache-Control"] == "private, no-store"
    download.close()


def test_a_nul_in_an_uploads_name_is_refused_and_leaves_no_file(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.IN_PROGRESS)
    browser = client_for(app, site.people.contributor)
    before = uploaded_files(app)
    response = transition(
        browser,
        milestone,
        "submit",
        SUBMIT_NOTE,
        evidence=(io.BytesIO(PDF_BYTES), "rapport\x00.pdf"),
    )
    assert response.status_code == 400
    assert state(app, milestone.id).status is S.IN_PROGRESS
    assert uploaded_files(app) == before


def test_no_evidence_means_no_download(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.SUBMITTED)
    browser = client_for(app, site.people.observer)
    assert browser.get(f"/milestones/{milestone.id}/evidence").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,
            "rapport.pdf",
            "Type de fichier non accepté",
        ),
        (b"Just some plain text, not a report.", "rapport.txt", "Type de fichier non accepté"),
        (b"PK\x03\x04 not really a zip", "tableau.xlsx", "Type de fichier non accepté"),
        (b"", "vide.pdf", "Le fichier est vide."),
    ],
    ids=["exe-named-pdf", "plain-text", "fake-zip", "empty"],
)
def test_a_refused_evidence_changes_nothing(app, site, make_milestone, content, name, message):
    milestone = make_milestone(action=site.action, status=S.IN_PROGRESS)
    browser = client_for(app, site.people.contributor)
    files_before = uploaded_files(app)
    response = transition(
        browser, milestone, "submit", SUBMIT_NOTE, evidence=(io.BytesIO(content), name)
    )
    assert response.status_code == 422
    html = page(response)
    assert message in html
    if message.startswith("Type"):
        assert "PDF, PNG, JPEG, XLSX ou DOCX uniquement" in html
    stored = state(app, milestone.id)
    assert stored.status is S.IN_PROGRESS
    assert stored.evidence_file_id is None
    assert count(app, StoredFile) == 0
    assert events(app, milestone.id) == []
    assert uploaded_files(app) == files_before


def test_an_evidence_over_the_size_limit_is_refused(app, site, make_milestone, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)
    milestone = make_milestone(action=site.action, status=S.IN_PROGRESS)
    browser = client_for(app, site.people.contributor)
    too_big = PDF_BYTES + b"0" * 2048
    response = transition(
        browser, milestone, "submit", SUBMIT_NOTE, evidence=(io.BytesIO(too_big), "gros.pdf")
    )
    assert response.status_code == 422
    assert "Le fichier dépasse la taille autorisée" in page(response)
    assert state(app, milestone.id).status is S.IN_PROGRESS
    assert count(app, StoredFile) == 0


def test_a_refused_submission_leaves_no_file_behind(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.IN_PROGRESS)
    files_before = uploaded_files(app)
    # The observer may not submit at all; the contributor forgot the completion note.
    for person, comment, expected in (
        (site.people.observer, SUBMIT_NOTE, 403),
        (site.people.contributor, "", 422),
    ):
        response = transition(
            client_for(app, person),
            milestone,
            "submit",
            comment,
            evidence=(io.BytesIO(PDF_BYTES), "rapport.pdf"),
        )
        assert response.status_code == expected
    assert count(app, StoredFile) == 0
    assert uploaded_files(app) == files_before


# --- 6. Comments ------------------------------------------------------------------------------


def test_a_comment_is_added_to_the_history(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.IN_PROGRESS)
    browser = client_for(app, site.people.local)
    response = browser.post(
        f"/milestones/{milestone.id}/comments", data={"comment": "Merci de joindre le PV."}
    )
    assert response.status_code == 302
    assert events(app, milestone.id) == [
        (EventKind.COMMENT, site.people.local.id, "Merci de joindre le PV.")
    ]
    history = section(page(browser.get(f"/milestones/{milestone.id}")), 'id="history"')
    assert "Leila Locale" in history and "a commenté" in history
    assert "Merci de joindre le PV." in history


def test_an_empty_comment_is_refused(app, site, make_milestone):
    milestone = make_milestone(action=site.action)
    browser = client_for(app, site.people.contributor)
    response = browser.post(f"/milestones/{milestone.id}/comments", data={"comment": "  "})
    assert response.status_code == 422
    assert 'class="field-error"' in response.text
    assert events(app, milestone.id) == []


def test_an_observer_cannot_comment(app, site, make_milestone):
    milestone = make_milestone(action=site.action)
    browser = client_for(app, site.people.observer)
    response = browser.post(f"/milestones/{milestone.id}/comments", data={"comment": "Bonjour"})
    assert response.status_code == 403
    assert events(app, milestone.id) == []


def test_a_local_decision_maker_of_another_city_cannot_comment(app, site, make_milestone):
    milestone = make_milestone(action=site.action)
    browser = client_for(app, site.people.local_elsewhere)
    response = browser.post(f"/milestones/{milestone.id}/comments", data={"comment": "Bonjour"})
    assert response.status_code == 403
    assert events(app, milestone.id) == []


# --- 7. Editing and concurrency ---------------------------------------------------------------


def test_the_responsible_contributor_edits_a_milestone(app, site, make_milestone):
    milestone = make_milestone(action=site.action, title="Ancien titre", due_date=days(90))
    browser = client_for(app, site.people.contributor)
    form = browser.get(f"/milestones/{milestone.id}/edit")
    assert form.status_code == 200
    assert 'value="Ancien titre"' in form.text
    response = browser.post(
        f"/milestones/{milestone.id}/edit",
        data=edit_data(
            milestone, title="Nouveau titre", deliverable="Charte", due_date="2026-07-15"
        ),
    )
    assert response.status_code == 302
    stored = state(app, milestone.id)
    assert (stored.title, stored.deliverable, stored.due_date) == (
        "Nouveau titre",
        "Charte",
        date(2026, 7, 15),
    )
    # The plan is not adopted: the date moves at once, no baseline, no request.
    assert stored.baseline_due_date is None
    assert count(app, ChangeRequest) == 0


def test_the_second_of_two_concurrent_edits_loses_nothing(app, site, make_milestone):
    milestone = make_milestone(action=site.action, title="Titre d'origine", due_date=days(90))
    first = client_for(app, site.people.contributor)
    second = client_for(app, site.people.colleague)
    # Both open the form on version 1.
    assert hidden_version(first.get(f"/milestones/{milestone.id}/edit").text) == "1"
    assert hidden_version(second.get(f"/milestones/{milestone.id}/edit").text) == "1"

    saved = first.post(
        f"/milestones/{milestone.id}/edit",
        data=edit_data(milestone, title="Titre de Karima", deliverable="Livrable de Karima"),
    )
    assert saved.status_code == 302

    stale = second.post(
        f"/milestones/{milestone.id}/edit",
        data=edit_data(milestone, title="Titre d'Omar", deliverable="Livrable d'Omar"),
    )
    assert stale.status_code == 409
    html = page(stale)
    assert "modifié par quelqu'un d'autre" in html
    # What the second person typed is still in the form ...
    assert re.search(r'<input[^>]*name="title"[^>]*value="Titre d\'Omar"', html)
    # ... next to what the first person saved.
    fresh = section(html, 'id="fresh-values"', "</article>")
    assert "Titre de Karima" in fresh and "Livrable de Karima" in fresh
    stored = state(app, milestone.id)
    assert (stored.title, stored.deliverable) == ("Titre de Karima", "Livrable de Karima")

    # Saving again over the fresh values is a deliberate choice, and it goes through.
    version = hidden_version(stale.text)
    assert version == str(stored.version)
    again = second.post(
        f"/milestones/{milestone.id}/edit",
        data=edit_data(milestone, title="Titre d'Omar", deliverable="", version=version),
    )
    assert again.status_code == 302
    assert state(app, milestone.id).title == "Titre d'Omar"


def test_a_contributor_of_another_organisation_cannot_edit(app, site, make_milestone):
    milestone = make_milestone(action=site.action, title="Intouchable")
    browser = client_for(app, site.people.outsider)
    assert browser.get(f"/milestones/{milestone.id}/edit").status_code == 403
    response = browser.post(
        f"/milestones/{milestone.id}/edit", data=edit_data(milestone, title="Piraté")
    )
    assert response.status_code == 403
    assert state(app, milestone.id).title == "Intouchable"
    # Nor is the "Modifier" link offered to them.
    assert f"/milestones/{milestone.id}/edit" not in browser.get(f"/milestones/{milestone.id}").text


def test_a_dependency_cycle_is_refused_with_a_clear_message(app, site, make_milestone):
    first = make_milestone(action=site.action, title="Premier jalon", due_date=days(30))
    second = make_milestone(action=site.action, title="Second jalon", due_date=days(60))
    link_dependency(app, first.id, second.id)  # second depends on first
    browser = client_for(app, site.people.contributor)
    response = browser.post(
        f"/milestones/{first.id}/edit", data=edit_data(first, predecessors=[second.id])
    )
    assert response.status_code == 422
    assert (
        "Cette dépendance créerait un cycle : « Second jalon » dépend déjà, directement ou non, "
        "de ce jalon." in page(response)
    )
    assert state(app, first.id).predecessor_ids == []
    assert state(app, second.id).predecessor_ids == [first.id]


def test_dependencies_are_set_through_the_form(app, site, make_milestone):
    first = make_milestone(action=site.action, title="Premier jalon", due_date=days(30))
    second = make_milestone(action=site.action, title="Second jalon", due_date=days(60))
    browser = client_for(app, site.people.contributor)
    response = browser.post(
        f"/milestones/{second.id}/edit", data=edit_data(second, predecessors=[first.id])
    )
    assert response.status_code == 302
    assert state(app, second.id).predecessor_ids == [first.id]


# --- 8. Re-planning ---------------------------------------------------------------------------


@pytest.fixture
def baselined(site, make_milestone, app):
    """A milestone of an adopted plan: its due date is the baseline."""
    with app.app_context():
        plan = db.session.get(Plan, site.plan.id)
        plan.status, plan.adopted_on = PlanStatus.ADOPTED, date(2026, 1, 15)
        db.session.commit()
    return make_milestone(
        action=site.action,
        title="Plateforme de paiement",
        status=S.IN_PROGRESS,
        due_date=date(2026, 6, 30),
        baseline_due_date=date(2026, 6, 30),
    )


def _request_new_date(app, site, milestone, reason: str):
    browser = client_for(app, site.people.contributor)
    return browser.post(
        f"/milestones/{milestone.id}/edit",
        data=edit_data(milestone, due_date="2026-07-31", change_reason=reason),
    )


def test_moving_an_adopted_due_date_needs_a_reason(app, site, baselined):
    response = _request_new_date(app, site, baselined, "")
    assert response.status_code == 422
    assert "Le plan est adopté : indiquez le motif du changement d'échéance." in page(response)
    assert state(app, baselined.id).due_date == date(2026, 6, 30)
    assert count(app, ChangeRequest) == 0


def test_a_new_due_date_becomes_a_request_the_ministry_sees(app, site, baselined):
    response = _request_new_date(app, site, baselined, "Retard du prestataire retenu.")
    assert response.status_code == 302
    stored = state(app, baselined.id)
    assert stored.due_date == date(2026, 6, 30)
    assert stored.baseline_due_date == date(2026, 6, 30)
    with app.app_context():
        request = db.session.scalar(sa.select(ChangeRequest))
        assert request.status is ChangeRequestStatus.PENDING
        assert request.proposed_due_date == date(2026, 7, 31)
        assert request.requested_by_id == site.people.contributor.id

    tasks = page(client_for(app, site.people.central).get("/tasks?kind=change_request_decide"))
    requests = section(tasks, 'data-kind="change_request_decide"', "</ul>")
    assert "Plateforme de paiement" in requests
    # A local decision-maker does not decide on dates: nothing of it in their list.
    local_tasks = client_for(app, site.people.local).get("/tasks").text
    assert 'data-kind="change_request_decide"' not in local_tasks


def _pending_request_id(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(ChangeRequest.id).where(ChangeRequest.status == ChangeRequestStatus.PENDING)
        )


def test_the_ministry_accepts_a_new_date_and_the_slip_shows(app, site, baselined):
    assert _request_new_date(app, site, baselined, "Retard du prestataire.").status_code == 302
    request_id = _pending_request_id(app)
    central = client_for(app, site.people.central)
    response = central.post(
        f"/change-requests/{request_id}/decide", data={"decision": "accept", "comment": ""}
    )
    assert response.status_code == 302
    stored = state(app, baselined.id)
    assert stored.due_date == date(2026, 7, 31)
    assert stored.baseline_due_date == date(2026, 6, 30)
    with app.app_context():
        request = db.session.get(ChangeRequest, request_id)
        assert request.status is ChangeRequestStatus.ACCEPTED
        assert request.decided_by_id == site.people.central.id
    html = page(central.get(f"/milestones/{baselined.id}"))
    assert ">+31 j</span>" in html
    assert "Nouvelle échéance acceptée." in html


def test_a_local_decision_maker_cannot_decide_a_new_date(app, site, baselined):
    assert _request_new_date(app, site, baselined, "Retard du prestataire.").status_code == 302
    request_id = _pending_request_id(app)
    local = client_for(app, site.people.local)
    response = local.post(f"/change-requests/{request_id}/decide", data={"decision": "accept"})
    assert response.status_code == 403
    assert state(app, baselined.id).due_date == date(2026, 6, 30)
    assert _pending_request_id(app) == request_id


def test_refusing_a_new_date_needs_a_reason(app, site, baselined):
    assert _request_new_date(app, site, baselined, "Retard du prestataire.").status_code == 302
    request_id = _pending_request_id(app)
    central = client_for(app, site.people.central)
    response = central.post(
        f"/change-requests/{request_id}/decide",
        data={"decision": "refuse", "comment": ""},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert 'class="flash flash-error">Indiquez le motif du refus.' in page(response)
    assert _pending_request_id(app) == request_id
    assert state(app, baselined.id).due_date == date(2026, 6, 30)

    response = central.post(
        f"/change-requests/{request_id}/decide",
        data={"decision": "refuse", "comment": "Le calendrier national ne le permet pas."},
    )
    assert response.status_code == 302
    assert _pending_request_id(app) is None
    assert state(app, baselined.id).due_date == date(2026, 6, 30)


# --- 9. Programme page ------------------------------------------------------------------------


def programme_counts(html: str, slug: str) -> dict[str, int]:
    row = re.search(rf'<tr data-city="{slug}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {slug}"
    cells = re.findall(r'data-count="(\w+)">(.*?)</td>', row.group(1), re.S)
    return {
        key: int(re.search(r"\d+", re.sub(r"<[^>]+>", " ", cell)).group()) for key, cell in cells
    }


def test_programme_compares_the_cities(app, make_user, catalogue, make_milestone):
    # Two more in Agadir: late work given back, and a cancelled one that counts for nothing.
    make_milestone(action=catalogue.agadir_action, status=S.RETURNED, due_date=days(-3))
    make_milestone(action=catalogue.agadir_action, status=S.CANCELLED, due_date=days(-60))

    response = client_for(app, make_user(role=Role.OBSERVER)).get("/programme")
    assert response.status_code == 200
    html = response.text
    assert programme_counts(html, "fes") == {
        "total": 3,
        "due_soon": 1,
        "late": 1,
        "awaiting_local": 1,
        "awaiting_central": 1,
        "approved": 0,
    }
    assert programme_counts(html, "agadir") == {
        "total": 4,
        "due_soon": 1,
        "late": 1,
        "awaiting_local": 1,
        "awaiting_central": 1,
        "approved": 1,
    }


# --- 10. City page and timeline ---------------------------------------------------------------


def test_city_page_groups_actions_by_domain_with_progress(
    app, make_user, make_city, make_plan, make_domain, make_action, make_milestone
):
    city = make_city(name="Marrakech", slug="marrakech")
    plan = make_plan(city=city)
    health, tourism = make_domain(name="Santé"), make_domain(name="Tourisme")
    clinic = make_action(plan=plan, domain=health, code="SAN1", title="Télé-consultation")
    guide = make_action(plan=plan, domain=tourism, code="TOU1", title="Guide numérique")
    make_milestone(action=clinic, status=S.APPROVED)
    make_milestone(action=clinic, status=S.IN_PROGRESS, due_date=days(-1))
    make_milestone(action=clinic, status=S.CANCELLED)

    response = client_for(app, make_user(role=Role.OBSERVER)).get("/cities/marrakech")
    assert response.status_code == 200
    sections = {}
    for block in response.text.split('<section class="domain"')[1:]:
        name = unescape(re.search(r"<h2[^>]*>([^<]+)</h2>", block).group(1))
        sections[name] = unescape(block)
    assert set(sections) == {"Santé", "Tourisme"}
    assert "SAN1" in sections["Santé"] and "TOU1" not in sections["Santé"]
    assert "TOU1" in sections["Tourisme"] and "SAN1" not in sections["Tourisme"]
    assert "Court terme" in sections["Santé"]
    assert "1/2" in sections["Santé"]
    assert "1 en retard" in sections["Santé"]
    assert "aucun jalon" in sections["Tourisme"]
    assert guide.title in sections["Tourisme"]


def test_unknown_city_is_not_found(app, make_user):
    browser = client_for(app, make_user(role=Role.OBSERVER))
    assert browser.get("/cities/atlantis").status_code == 404
    assert browser.get("/cities/atlantis/timeline").status_code == 404


def test_timeline_draws_each_milestone(app, make_user, site, make_milestone):
    make_milestone(action=site.action, title="Ouverture du guichet", due_date=days(40))
    make_milestone(
        action=site.action,
        title="Bilan de la phase pilote",
        due_date=days(120),
        baseline_due_date=days(90),
    )
    response = client_for(app, site.people.observer).get("/cities/fes/timeline")
    assert response.status_code == 200
    html = page(response)
    timeline = section(html, 'id="timeline"', "</svg>")
    assert "<svg" in timeline
    assert "Ouverture du guichet" in timeline
    assert "Bilan de la phase pilote" in timeline
    assert "Aucun jalon à afficher." not in html


def test_timeline_of_a_city_without_milestones_says_so(app, make_user, make_city):
    make_city(name="Oujda", slug="oujda")
    response = client_for(app, make_user(role=Role.OBSERVER)).get("/cities/oujda/timeline")
    assert response.status_code == 200
    assert "Aucun jalon à afficher." in page(response)
    assert 'id="timeline"' not in response.text


# --- 11. Plan structure (secretariat) ---------------------------------------------------------


def action_data(domain, organization, **change) -> dict:
    data = {
        "code": "ea02",
        "title": "Dématérialisation de l'état civil",
        "description": "Prise de rendez-vous et extraits en ligne.",
        "domain_id": domain.id,
        "lead_organization_id": organization.id,
        "budget": "1 250 000,50",
        "planned_start": "2026-02-01",
        "planned_end": "2026-12-31",
    }
    data.update(change)
    return data


def test_the_secretariat_creates_a_plan(app, make_user, make_city):
    city = make_city(name="Tétouan", slug="tetouan")
    browser = client_for(app, make_user(role=Role.SECRETARIAT))
    assert browser.get("/cities/tetouan/plan").status_code == 200
    response = browser.post(
        "/cities/tetouan/plan", data={"title": "SDTN de Tétouan", "start_date": "2026-01-01"}
    )
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.scalar(sa.select(Plan).where(Plan.city_id == city.id))
        assert (plan.title, plan.start_date, plan.status) == (
            "SDTN de Tétouan",
            date(2026, 1, 1),
            PlanStatus.DRAFT,
        )


def test_the_secretariat_creates_an_action_with_an_exact_budget(app, site):
    browser = client_for(app, site.people.secretariat)
    assert browser.get("/cities/fes/actions/new").status_code == 200
    response = browser.post("/cities/fes/actions/new", data=action_data(site.domain, site.commune))
    assert response.status_code == 302
    with app.app_context():
        action = db.session.scalar(sa.select(Action).where(Action.code == "EA02"))
        assert action.budget == Decimal("1250000.50")
        assert action.plan_id == site.plan.id
        assert action.horizon is Horizon.SHORT
    assert "EA02" in client_for(app, site.people.observer).get("/cities/fes").text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"budget": "abc"}, "Montant invalide."),
        ({"budget": "-5"}, "Le montant doit être positif ou nul."),
        ({"budget": "1.234"}, "Le montant a au plus deux décimales."),
        (
            {"planned_start": "2026-06-01", "planned_end": "2026-05-31"},
            "La fin prévue doit suivre le début prévu.",
        ),
        ({"code": "EA01"}, "Une action de ce plan porte déjà ce code."),
    ],
    ids=["letters", "negative", "three-decimals", "end-before-start", "duplicate-code"],
)
def test_an_invalid_action_is_refused_and_nothing_stored(app, site, change, message):
    browser = client_for(app, site.people.secretariat)
    before = count(app, Action)
    response = browser.post(
        "/cities/fes/actions/new", data=action_data(site.domain, site.commune, **change)
    )
    assert response.status_code == 422
    assert message in page(response)
    assert count(app, Action) == before


@pytest.mark.parametrize(
    ("planned_end", "horizon"),
    [
        ("2026-12-31", Horizon.SHORT),
        ("2027-01-01", Horizon.SHORT),
        ("2027-01-02", Horizon.MEDIUM),
        ("2029-01-01", Horizon.MEDIUM),
        ("2029-01-02", Horizon.LONG),
    ],
)
def test_an_action_horizon_follows_its_end_from_the_plan_start(app, site, planned_end, horizon):
    assert site.plan.start_date == date(2026, 1, 1)
    browser = client_for(app, site.people.secretariat)
    response = browser.post(
        "/cities/fes/actions/new",
        data=action_data(site.domain, site.commune, planned_end=planned_end),
    )
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(sa.select(Action).where(Action.code == "EA02"))
        assert stored.horizon is horizon


def test_adopting_the_plan_fixes_the_baselines(app, site, make_milestone):
    first = make_milestone(action=site.action, due_date=date(2026, 5, 31))
    second = make_milestone(action=site.action, due_date=date(2026, 9, 30))
    browser = client_for(app, site.people.secretariat)
    response = browser.post("/cities/fes/plan/adopt")
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.get(Plan, site.plan.id)
        assert (plan.status, plan.adopted_on) == (PlanStatus.ADOPTED, TODAY)
    assert state(app, first.id).baseline_due_date == date(2026, 5, 31)
    assert state(app, second.id).baseline_due_date == date(2026, 9, 30)
    # Adopting twice is refused with a message, not a crash.
    again = browser.post("/cities/fes/plan/adopt", follow_redirects=True)
    assert "Ce plan est déjà adopté." in page(again)


def test_the_secretariat_adds_a_domain_and_a_duplicate_name_is_refused(app, make_user):
    browser = client_for(app, make_user(role=Role.SECRETARIAT))
    response = browser.post("/domains", data={"code": "Mobilite", "name": "Mobilité"})
    assert response.status_code == 302
    with app.app_context():
        domain = db.session.scalar(sa.select(Domain).where(Domain.name == "Mobilité"))
        assert domain.code == "mobilite"
    assert "Mobilité" in page(browser.get("/domains"))

    duplicate = browser.post("/domains", data={"code": "transport", "name": "Mobilité"})
    assert duplicate.status_code == 422
    assert "Un domaine porte déjà ce code ou ce nom." in page(duplicate)
    assert count(app, Domain) == 1


@pytest.mark.parametrize(
    "role",
    [Role.CONTRIBUTOR, Role.LOCAL_DECISION_MAKER, Role.CENTRAL_DECISION_MAKER, Role.OBSERVER],
    ids=lambda r: r.value,
)
def test_only_the_secretariat_shapes_the_plan(app, site, make_user, make_city, role):
    make_city(name="Tanger", slug="tanger")
    user = make_user(role=role, city=site.city if role is Role.LOCAL_DECISION_MAKER else None)
    browser = client_for(app, user)
    counts = (count(app, Plan), count(app, Action), count(app, Domain))
    attempts = [
        browser.get("/cities/tanger/plan"),
        browser.post("/cities/tanger/plan", data={"title": "Plan", "start_date": "2026-01-01"}),
        browser.get("/cities/fes/actions/new"),
        browser.post("/cities/fes/actions/new", data=action_data(site.domain, site.commune)),
        browser.post("/cities/fes/plan/adopt"),
        browser.get("/domains"),
        browser.post("/domains", data={"code": "x", "name": "Nouveau"}),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert (count(app, Plan), count(app, Action), count(app, Domain)) == counts
    with app.app_context():
        assert db.session.get(Plan, site.plan.id).status is PlanStatus.DRAFT


# --- 12. What waits for a decision (the task list) --------------------------------------------


def test_a_local_decision_maker_is_given_their_city_submitted_milestones(app, make_user, catalogue):
    local = make_user(role=Role.LOCAL_DECISION_MAKER, city=catalogue.fes)
    response = client_for(app, local).get("/tasks")
    assert response.status_code == 200
    waiting = section(response.text, 'data-kind="milestone_approve_local"', "</ul>")
    assert set(listed_titles(waiting)) == titles_of(catalogue, "fes_submitted")
    # The former queue's address leads to the same list.
    assert client_for(app, local).get("/decisions").headers["Location"] == "/tasks"


def test_a_central_decision_maker_is_given_every_milestone_approved_locally(
    app, make_user, catalogue
):
    central = make_user(role=Role.CENTRAL_DECISION_MAKER)
    response = client_for(app, central).get("/tasks")
    waiting = section(response.text, 'data-kind="milestone_approve_central"', "</ul>")
    assert set(listed_titles(waiting)) == titles_of(catalogue, "fes_local", "agadir_local")


# --- Review fixes: what must not be lost or allowed -------------------------------------------


def test_the_stale_page_shows_every_field_saved_in_between(app, site, make_milestone):
    milestone = make_milestone(action=site.action, title="Titre", due_date=days(90))
    first = client_for(app, site.people.contributor)
    second = client_for(app, site.people.colleague)
    saved = first.post(
        f"/milestones/{milestone.id}/edit",
        data=edit_data(milestone, description="Description de Karima", planned_start=days(10)),
    )
    assert saved.status_code == 302
    stale = second.post(f"/milestones/{milestone.id}/edit", data=edit_data(milestone))
    fresh = section(page(stale), 'id="fresh-values"', "</article>")
    assert "Description de Karima" in fresh
    assert "Commune de Fès" in fresh


def test_dependencies_beyond_the_listed_candidates_survive_an_edit(
    app, site, make_milestone, monkeypatch
):
    from portal.views import milestones as views

    monkeypatch.setattr(views, "CANDIDATES_SHOWN", 2)
    early = make_milestone(action=site.action, title="Très ancien", due_date=days(-300))
    for n in range(4):
        make_milestone(action=site.action, title=f"Autre {n}", due_date=days(-200 + n))
    later = make_milestone(action=site.action, title="Suivant", due_date=days(60))
    link_dependency(app, early.id, later.id)
    browser = client_for(app, site.people.contributor)
    form = browser.get(f"/milestones/{later.id}/edit").text
    assert f'value="{early.id}"' in form
    response = browser.post(
        f"/milestones/{later.id}/edit",
        data=edit_data(later, title="Suivant, renommé", predecessors=[early.id]),
    )
    assert response.status_code == 302
    assert state(app, later.id).predecessor_ids == [early.id]


def test_a_transition_without_a_version_is_treated_as_stale(app, site, make_milestone):
    milestone = make_milestone(action=site.action)
    browser = client_for(app, site.people.contributor)
    response = browser.post(f"/milestones/{milestone.id}/transition", data={"transition": "start"})
    assert response.status_code == 409
    assert state(app, milestone.id).status is S.PLANNED


def test_a_submitted_milestone_cannot_be_edited(app, site, make_milestone):
    milestone = make_milestone(action=site.action, status=S.SUBMITTED, title="En revue")
    browser = client_for(app, site.people.contributor)
    response = browser.post(
        f"/milestones/{milestone.id}/edit", data=edit_data(milestone, title="Changé en douce")
    )
    assert response.status_code == 422
    assert "ne se modifie plus" in page(response)
    assert state(app, milestone.id).title == "En revue"
    assert "Modifier</a>" not in browser.get(f"/milestones/{milestone.id}").text


def test_a_milestone_starts_only_once_its_predecessors_are_delivered(app, site, make_milestone):
    first = make_milestone(action=site.action, title="Étude préalable", status=S.IN_PROGRESS)
    second = make_milestone(action=site.action, title="Travaux", due_date=days(120))
    link_dependency(app, first.id, second.id)
    browser = client_for(app, site.people.contributor)
    refused = transition(browser, state_of(app, second.id), "start")
    assert refused.status_code == 422
    assert "attend la livraison de : Étude préalable" in page(refused)
    transition(browser, state_of(app, first.id), "submit", comment=SUBMIT_NOTE)
    assert transition(browser, state_of(app, second.id), "start").status_code == 302
    assert state(app, second.id).status is S.IN_PROGRESS


def state_of(app, milestone_id):
    """Enough of a milestone for the transition helper: its id and current version."""
    stored = state(app, milestone_id)
    return SimpleNamespace(id=milestone_id, version=stored.version)


def test_a_change_request_cannot_move_a_cancelled_milestone(app, site, baselined):
    browser = client_for(app, site.people.contributor)
    browser.post(
        f"/milestones/{baselined.id}/edit",
        data=edit_data(baselined, due_date=days(150), change_reason="Retard"),
    )
    central = client_for(app, site.people.central)
    transition(central, state_of(app, baselined.id), "cancel", comment="Abandonné")
    with app.app_context():
        request_id = db.session.scalar(sa.select(ChangeRequest.id))
    response = central.post(
        f"/change-requests/{request_id}/decide", data={"decision": "accept"}, follow_redirects=True
    )
    assert "son échéance ne change plus" in page(response)
    assert state(app, baselined.id).due_date == baselined.due_date
    assert 'data-kind="change_request_decide"' not in central.get("/tasks").text


@pytest.mark.parametrize(
    ("field", "value"),
    [("due_date", "9999-12-31"), ("planned_start", "1900-01-01")],
)
def test_dates_outside_the_programme_range_are_refused(app, site, make_milestone, field, value):
    milestone = make_milestone(action=site.action, due_date=days(30))
    browser = client_for(app, site.people.contributor)
    response = browser.post(
        f"/milestones/{milestone.id}/edit", data=edit_data(milestone, **{field: value})
    )
    assert response.status_code == 422
    assert "Date hors de la plage admise" in page(response)
    assert state(app, milestone.id).due_date == days(30)


def test_a_huge_budget_is_refused_without_an_error_page(app, site):
    browser = client_for(app, site.people.secretariat)
    response = browser.post(
        "/cities/fes/actions/new",
        data={
            "code": "EA99",
            "title": "Budget démesuré",
            "domain_id": site.domain.id,
            "lead_organization_id": site.commune.id,
            "budget": "1e30",
            "planned_start": days(0).isoformat(),
            "planned_end": days(100).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "Montant trop élevé." in page(response)
    assert count(app, Action) == 1


def test_a_calendar_address_stops_when_its_owner_loses_their_roles(app, site):
    from portal.models import RoleAssignment, User

    browser = client_for(app, site.people.observer)
    browser.post("/account/calendar/token")
    with app.app_context():
        token = db.session.scalar(
            sa.select(User.calendar_token).where(User.id == site.people.observer.id)
        )
    assert app.test_client().get(f"/calendar/{token}/fes.ics").status_code == 200
    with app.app_context():
        db.session.execute(
            sa.delete(RoleAssignment).where(RoleAssignment.user_id == site.people.observer.id)
        )
        db.session.commit()
    assert app.test_client().get(f"/calendar/{token}/fes.ics").status_code == 404


def test_the_task_list_pages_through_many_waiting_milestones(app, site, make_milestone):
    for n in range(30):
        make_milestone(action=site.action, title=f"Soumis {n:02d}", status=S.SUBMITTED)
    browser = client_for(app, site.people.local)
    first = page(browser.get("/tasks"))
    assert "30 tâches" in first and "Page 1 sur 2" in first
    assert len(listed_titles(section(first, 'data-kind="milestone_approve_local"', "</ul>"))) == 25
    second = page(browser.get("/tasks?page=2"))
    assert len(listed_titles(section(second, 'data-kind="milestone_approve_local"', "</ul>"))) == 5


def test_the_task_list_pages_through_many_change_requests(app, site, make_milestone):
    from portal.models import ChangeRequest
    from portal.models.types import utcnow

    for n in range(27):
        milestone = make_milestone(action=site.action, title=f"Report {n:02d}", status=S.PLANNED)
        with app.app_context():
            db.session.add(
                ChangeRequest(
                    milestone_id=milestone.id,
                    requested_by_id=site.people.contributor.id,
                    requested_at=utcnow() + timedelta(minutes=n),
                    current_due_date=milestone.due_date,
                    proposed_due_date=milestone.due_date + timedelta(days=30),
                    reason="Retard du fournisseur",
                )
            )
            db.session.commit()
    browser = client_for(app, site.people.central)
    first = page(browser.get("/tasks?kind=change_request_decide"))
    assert "27 tâches" in first and "Page 1 sur 2" in first
    assert first.count(">Report ") == 25
    second = page(browser.get("/tasks?kind=change_request_decide&page=2"))
    assert "Report 25" in second and "Report 26" in second and second.count(">Report ") == 2


@pytest.mark.parametrize("huge", [str(2**31), str(10**20), "-1"])
def test_an_id_no_row_could_have_is_refused_on_its_field_never_a_500(
    app, site, make_milestone, huge
):
    first = make_milestone(action=site.action, title="Premier jalon", due_date=days(30))
    second = make_milestone(action=site.action, title="Second jalon", due_date=days(60))
    browser = client_for(app, site.people.contributor)
    for change, error in (
        ({"predecessors": [first.id, huge], "title": "Renommé"}, "predecessors-errors"),
        (
            {"responsible_organization_id": huge, "title": "Renommé"},
            "responsible_organization_id-errors",
        ),
    ):
        response = browser.post(f"/milestones/{second.id}/edit", data=edit_data(second, **change))
        assert response.status_code == 422, change
        # What was typed comes back, the error sits on its field, and nothing is saved.
        assert 'value="Renommé"' in page(response)
        assert re.search(
            f'id="{error}" class="field-error">(Choix inconnu|Ce champ)', page(response)
        )
        assert state(app, second.id).title == "Second jalon"
        assert state(app, second.id).predecessor_ids == []


@pytest.mark.parametrize("title", ["Ligne 1\nLigne 2", "Titre\r\nBcc: x@example.org", "A\tB"])
def test_a_title_on_more_than_one_line_is_refused_on_its_field(app, site, make_milestone, title):
    milestone = make_milestone(action=site.action, title="Titre sage", due_date=days(30))
    browser = client_for(app, site.people.contributor)
    response = browser.post(
        f"/milestones/{milestone.id}/edit", data=edit_data(milestone, title=title)
    )
    assert response.status_code == 422
    assert re.search(
        r'id="title-errors" class="field-error">Une seule ligne, sans retour à la ligne',
        page(response),
    )
    assert state(app, milestone.id).title == "Titre sage"


@pytest.mark.parametrize(
    ("uploaded", "served"),
    [
        ("report.html", "report.pdf"),
        ("invoice.exe", "invoice.pdf"),
        ("x.svg", "x.pdf"),
        # A right-to-left override would show "facture\u202efdp.exe" as "factureexe.pdf".
        ("facture\u202efdp.exe", "facturefdp.pdf"),
        ("..\\..\\évaluation\u200f.docx", "évaluation.pdf"),
    ],
)
def test_a_file_is_served_with_the_extension_of_its_content(
    app, site, make_milestone, uploaded, served
):
    milestone = make_milestone(action=site.action, status=S.IN_PROGRESS)
    browser = client_for(app, site.people.contributor)
    response = transition(
        browser, milestone, "submit", SUBMIT_NOTE, evidence=(io.BytesIO(PDF_BYTES), uploaded)
    )
    assert response.status_code == 302
    download = browser.get(f"/milestones/{milestone.id}/evidence")
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    download.close()
    assert disposition.startswith("attachment")
    # Werkzeug gives the name twice: plain ASCII, and exact (RFC 5987).
    plain = re.search(r'filename="?([^";]*)"?', disposition).group(1)
    exact = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert (unquote(exact.group(1)) if exact else plain) == served
    assert plain.endswith(".pdf")
    # The page names it without invisible characters.
    assert "\u202e" not in page(browser.get(f"/milestones/{milestone.id}"))


def test_a_file_whose_transaction_rolls_back_leaves_nothing_on_disk(app, make_user):
    """Whatever makes the change fail after the file was written (a rule, a conflict, the
    database refusing a value), the rollback removes the file; a commit keeps it."""
    from werkzeug.datastructures import FileStorage

    from portal.services import files

    user = make_user(role=Role.CONTRIBUTOR)
    before = uploaded_files(app)
    with app.app_context():
        owner = db.session.get(type(user), user.id)
        files.store(owner, FileStorage(io.BytesIO(PDF_BYTES), "annulé.pdf"))
        assert len(uploaded_files(app) - before) == 1
        db.session.rollback()
        assert uploaded_files(app) == before
        kept = files.store(owner, FileStorage(io.BytesIO(PDF_BYTES), "gardé.pdf"))
        db.session.commit()
        db.session.rollback()  # a later rollback leaves a committed file alone
        assert uploaded_files(app) - before == {kept.storage_name}
