"""Commitments: proposed by an organisation, accepted and validated by the city."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.models import (
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    OrganizationKind,
    Role,
    StoredFile,
    UpdateStatus,
)
from tests.conftest import browser, text

TODAY = date(2026, 6, 1)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def world(make_city, make_org, make_user):
    city, elsewhere = make_city(name="Marrakech", slug="marrakech"), make_city(slug="agadir")
    utility = make_org(city=city, short_name="RADEEMA", kind=OrganizationKind.UTILITY)
    operator = make_org(short_name="IAM", kind=OrganizationKind.TELECOM_OPERATOR)
    return {
        "city": city,
        "utility": utility,
        "operator": operator,
        "contributor": make_user(role=Role.CONTRIBUTOR, organization=utility),
        "operator_contributor": make_user(role=Role.CONTRIBUTOR, organization=operator),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_elsewhere": make_user(role=Role.LOCAL_DECISION_MAKER, city=elsewhere),
        "observer": make_user(role=Role.OBSERVER),
    }


def propose(client, world, **change):
    data = {
        "organization_id": world["utility"].id,
        "city_id": world["city"].id,
        "action_id": 0,
        "title": "40 km de fibre dans la médina",
        "indicator": "Fibre posée",
        "unit": "km",
        "baseline": "0",
        "target": "40",
        "due_date": "2026-09-30",
        **change,
    }
    return client.post("/commitments/new", data=data)


def stored(app, commitment_id=None):
    with app.app_context():
        query = sa.select(Commitment)
        if commitment_id:
            query = query.where(Commitment.id == commitment_id)
        commitment = db.session.scalars(query).first()
        if commitment is not None:
            db.session.expunge(commitment)
        return commitment


def declare(client, commitment_id, value, *, files=(), measured_on="2026-05-20"):
    data = {
        "value": value,
        "measured_on": measured_on,
        "note": "Tronçon nord",
        "evidence": list(files),
    }
    return client.post(
        f"/commitments/{commitment_id}/updates", data=data, content_type="multipart/form-data"
    )


def accepted(app, world):
    contributor = browser(app, world["contributor"])
    assert propose(contributor, world).status_code == 302
    commitment = stored(app)
    local = browser(app, world["local"])
    local.post(f"/commitments/{commitment.id}/status", data={"decision": "accept"})
    assert stored(app, commitment.id).status is CommitmentStatus.ACCEPTED
    return commitment, contributor, local


def test_the_whole_flow_from_proposal_to_met(app, world):
    commitment, contributor, local = accepted(app, world)
    response = declare(contributor, commitment.id, "12,5", files=[(io.BytesIO(PDF), "pv.pdf")])
    assert response.status_code == 302
    page = text(contributor.get(f"/commitments/{commitment.id}"))
    assert ">12,5 " in page and 'id="validated">aucun' in page
    with app.app_context():
        update = db.session.scalars(sa.select(CommitmentUpdate)).one()
        assert update.value == Decimal("12.50") and len(update.files) == 1
        update_id, file_id = update.id, update.files[0].id
    download = local.get(f"/commitment-updates/{update_id}/files/{file_id}")
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    local.post(f"/commitment-updates/{update_id}/decide", data={"decision": "validate"})
    after = stored(app, commitment.id)
    assert after.validated_value == Decimal("12.50")
    assert after.status is CommitmentStatus.IN_PROGRESS
    page = text(local.get(f"/commitments/{commitment.id}"))
    assert "<svg" in page and 'class="chart-validated"' in page

    declare(contributor, commitment.id, "41", measured_on="2026-05-30")
    with app.app_context():
        second = db.session.scalars(
            sa.select(CommitmentUpdate).where(CommitmentUpdate.status == UpdateStatus.DECLARED)
        ).one()
    local.post(f"/commitment-updates/{second.id}/decide", data={"decision": "validate"})
    assert stored(app, commitment.id).status is CommitmentStatus.MET


def test_a_rejection_needs_a_reason_and_keeps_the_validated_value(app, world):
    commitment, contributor, local = accepted(app, world)
    declare(contributor, commitment.id, "30")
    with app.app_context():
        update_id = db.session.scalar(sa.select(CommitmentUpdate.id))
    response = local.post(f"/commitment-updates/{update_id}/decide", data={"decision": "reject"})
    assert response.status_code == 422
    assert "motif du rejet" in text(response)
    local.post(
        f"/commitment-updates/{update_id}/decide",
        data={"decision": "reject", "reason": "Pas de PV de réception"},
    )
    with app.app_context():
        assert db.session.get(CommitmentUpdate, update_id).status is UpdateStatus.REJECTED
    assert stored(app, commitment.id).validated_value is None


def test_an_organisation_commits_only_itself(app, world):
    operator = browser(app, world["operator_contributor"])
    response = propose(operator, world)
    assert response.status_code == 422  # the utility is not among the choices offered
    assert stored(app) is None


def test_nobody_else_declares_or_validates(app, world):
    commitment, contributor, _local = accepted(app, world)
    for outsider in ("operator_contributor", "observer"):
        response = declare(browser(app, world[outsider]), commitment.id, "20")
        assert response.status_code == 403
    declare(contributor, commitment.id, "20")
    with app.app_context():
        update_id = db.session.scalar(sa.select(CommitmentUpdate.id))
    for outsider in ("local_elsewhere", "contributor"):
        response = browser(app, world[outsider]).post(
            f"/commitment-updates/{update_id}/decide", data={"decision": "validate"}
        )
        assert response.status_code == 403
    with app.app_context():
        assert db.session.get(CommitmentUpdate, update_id).status is UpdateStatus.DECLARED


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 not a pdf", "rapport.pdf", "Type de fichier non accepté"),
        (b"", "vide.pdf", "Le fichier est vide."),
        (b"plain text", "notes.txt", "Type de fichier non accepté"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_stored(app, world, content, name, message):
    commitment, contributor, _local = accepted(app, world)
    response = declare(contributor, commitment.id, "5", files=[(io.BytesIO(content), name)])
    assert response.status_code == 422
    assert message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CommitmentUpdate)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0


def test_a_name_with_path_characters_is_kept_as_a_plain_name(app, world):
    commitment, contributor, _local = accepted(app, world)
    declare(contributor, commitment.id, "5", files=[(io.BytesIO(PDF), "../../etc/passwd.pdf")])
    with app.app_context():
        file = db.session.scalars(sa.select(StoredFile)).one()
        assert file.original_name == "passwd.pdf"
        assert "/" not in file.storage_name and ".." not in file.storage_name
        assert (Path(app.config["UPLOAD_FOLDER"]) / file.storage_name).is_file()


def test_status_rules(app, world):
    commitment, contributor, local = accepted(app, world)
    early = local.post(
        f"/commitments/{commitment.id}/status", data={"decision": "missed", "reason": "x"}
    )
    assert early.status_code == 422 and "Échéance non passée" in text(early)
    no_reason = contributor.post(
        f"/commitments/{commitment.id}/status", data={"decision": "withdraw"}
    )
    assert no_reason.status_code == 422
    assert (
        contributor.post(
            f"/commitments/{commitment.id}/status", data={"decision": "accept"}
        ).status_code
        == 403
    )
    contributor.post(
        f"/commitments/{commitment.id}/status",
        data={"decision": "withdraw", "reason": "Tracé abandonné"},
    )
    assert stored(app, commitment.id).status is CommitmentStatus.WITHDRAWN
    assert declare(contributor, commitment.id, "3").status_code == 422


def test_list_filters_by_city_and_status(app, world):
    accepted(app, world)
    client = browser(app, world["observer"])
    assert "40 km de fibre" in client.get(f"/commitments?city={world['city'].id}").text
    assert "40 km de fibre" not in client.get("/commitments?status=met").text


def test_bad_values_are_refused(app, world):
    contributor = browser(app, world["contributor"])
    for change, message in [
        ({"target": "abc"}, "Valeur numérique invalide."),
        ({"target": "0"}, "La cible doit différer"),
        ({"baseline": "-3"}, "positive"),
        ({"due_date": "9999-01-01"}, "Date hors de la plage admise"),
    ]:
        response = propose(contributor, world, **change)
        assert response.status_code == 422, change
        assert message in text(response), change
    assert stored(app) is None


def test_a_too_large_evidence_is_refused(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)
    commitment, contributor, _local = accepted(app, world)
    big = PDF + b"0" * 2048
    response = declare(contributor, commitment.id, "5", files=[(io.BytesIO(big), "gros.pdf")])
    assert response.status_code == 422
    assert "dépasse la taille autorisée (1 ko)" in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0


def test_a_closed_commitment_validates_nothing_more(app, world):
    commitment, contributor, local = accepted(app, world)
    declare(contributor, commitment.id, "9")
    contributor.post(
        f"/commitments/{commitment.id}/status", data={"decision": "withdraw", "reason": "Abandon"}
    )
    with app.app_context():
        update_id = db.session.scalar(sa.select(CommitmentUpdate.id))
    response = local.post(f"/commitment-updates/{update_id}/decide", data={"decision": "validate"})
    assert response.status_code == 422
    assert "ne se valident plus" in text(response)
    assert stored(app, commitment.id).validated_value is None


def test_only_the_organisations_own_people_declare_progress(app, world, make_user):
    commitment, _contributor, _local = accepted(app, world)
    secretariat = browser(app, make_user(role=Role.SECRETARIAT))
    assert declare(secretariat, commitment.id, "9").status_code == 403


def test_the_last_declared_value_is_the_declaration_made_last(app, world):
    commitment, contributor, _ = accepted(app, world)
    assert declare(contributor, commitment.id, "12", measured_on="2026-05-20").status_code == 302
    # A reading from earlier in the month, declared afterwards.
    assert declare(contributor, commitment.id, "9", measured_on="2026-05-10").status_code == 302
    page = text(contributor.get(f"/commitments/{commitment.id}"))
    assert 'id="declared">9<' in page


def test_the_progress_chart_has_its_axes_in_words(app, world):
    commitment, contributor, _ = accepted(app, world)
    assert declare(contributor, commitment.id, "12", measured_on="2026-05-20").status_code == 302
    page = text(contributor.get(f"/commitments/{commitment.id}"))
    chart = page.split('class="commitment-chart"', 1)[1].split("</svg>", 1)[0]
    # From the first reading to the due date, from the baseline to the target.
    assert '<text class="chart-x"' in chart and ">20 mai 2026</text>" in chart
    assert ">30 sept. 2026</text>" in chart
    assert ">0</text>" in chart and ">40</text>" in chart
    assert "12 — 20 mai 2026" in chart
    # In Arabic the words change and time still runs left to right (the root says so, or
    # the right-to-left page would flip every anchor).
    contributor.post("/account/language", data={"language": "ar"})
    page = text(contributor.get(f"/commitments/{commitment.id}"))
    chart = page.split('class="commitment-chart"', 1)[1].split("</svg>", 1)[0]
    assert 'direction="ltr"' in chart and ">20\u200f/05\u200f/2026</text>" in chart
    # The title, French inside an Arabic page, is isolated from the text around it.
    assert "<h1><bdi>" in page
    contributor.post("/account/language", data={"language": "fr"})
    assert "<h1><bdi>" not in text(contributor.get(f"/commitments/{commitment.id}"))
