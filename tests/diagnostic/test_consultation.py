"""The public consultation: a city opens it, residents send expectations without an account
and support the published ones; nothing is shown before the secretariat moderates it, the
e-mails left are read by the moderators alone and erased once their authors are told, and
the protections of a public form hold (honeypot, lengths, rate limit)."""

import io
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Consultation,
    ConsultationContact,
    ConsultationSupport,
    Expectation,
    ExpectationSource,
    ExpectationStatus,
    Role,
)
from tests.conftest import browser, text

DAY = date(2026, 11, 20)  # the consultation runs from DAY to DAY + 30
SENT = "Pouvoir prendre rendez-vous en ligne au centre de santé de la médina"
EMAIL = "habitante@exemple.ma"


@pytest.fixture
def clock():
    with time_machine.travel(DAY + timedelta(days=5), tick=False):
        yield


@pytest.fixture
def world(app, clock, make_city, make_user, make_domain):
    city = make_city(name="Fès", slug="fes")
    other = make_city(name="Agadir", slug="agadir")
    health = make_domain(code="sante", name="Santé")
    with app.app_context():
        consultation = Consultation(
            city_id=city.id,
            title="Le numérique que vous attendez à Fès",
            title_ar="الخدمات الرقمية التي تنتظرونها في فاس",
            districts=["Fès-Médina", "Saïs"],
            opens_on=DAY,
            closes_on=DAY + timedelta(days=30),
        )
        study = Expectation(
            city_id=city.id,
            domain_id=health.id,
            text="Rendez-vous en ligne dans les centres de santé",
            source=ExpectationSource.WORKSHOP,
            workshop="Atelier santé",
            importance=4,
            population=60000,
        )
        db.session.add_all([consultation, study])
        db.session.commit()
        consultation_id, study_id = consultation.id, study.id
    return {
        "city": city,
        "health": health,
        "consultation": consultation_id,
        "study": study_id,
        "url": f"/consultation/{consultation_id}",
        "secretariat": make_user(role=Role.SECRETARIAT),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_elsewhere": make_user(role=Role.LOCAL_DECISION_MAKER, city=other),
        "observer": make_user(role=Role.OBSERVER),
    }


def submit(client, world, **values):
    data = {
        "domain_id": str(world["health"].id),
        "district": "Fès-Médina",
        "text": SENT,
        "email": "",
        "website": "",
        **values,
    }
    return client.post(f"{world['url']}/submit", data=data)


def count(app, model=Expectation, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


def pending_one(app) -> Expectation:
    with app.app_context():
        found = db.session.scalar(
            sa.select(Expectation).where(Expectation.status == ExpectationStatus.PENDING)
        )
        db.session.expunge(found)
        return found


def publish(client, world, expectation, **values):
    prefix = f"p{expectation.id}-"
    data = {"text": expectation.text, "importance": "4", "population": "30000", **values}
    data = {prefix + key: value for key, value in data.items()}
    data[prefix + "version"] = values.get("version", expectation.version)
    return client.post(
        f"/diagnostic/consultations/{world['consultation']}/expectations/{expectation.id}/publish",
        data=data,
    )


def test_a_resident_expectation_is_shown_nowhere_until_the_secretariat_publishes_it(app, world):
    resident = app.test_client()
    response = submit(resident, world, email=EMAIL)
    assert response.status_code == 302, text(response)
    thanks = text(resident.get(response.headers["Location"]))
    assert "Merci, votre attente est bien reçue" in thanks and "Vous recevrez un e-mail" in thanks
    waiting = pending_one(app)
    assert waiting.source is ExpectationSource.CONSULTATION and waiting.importance is None

    # Not on the public page, the city's list, its matrix, its page, or the export.
    assert SENT not in text(resident.get(world["url"]))
    observer = browser(app, world["observer"])
    local = browser(app, world["local"])
    for reader in (observer, local):
        assert SENT not in text(reader.get("/diagnostic/cities/fes/expectations"))
        assert SENT not in text(reader.get("/diagnostic/cities/fes/matrix"))
        assert reader.get(f"/diagnostic/expectations/{waiting.id}").status_code == 404
        assert (
            reader.get(f"/diagnostic/consultations/{world['consultation']}/moderation").status_code
            == 403
        )
    export = local.get(f"/diagnostic/consultations/{world['consultation']}/results.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # the headers only

    # The secretariat reads it, with the address, and it waits on its task list.
    secretariat = browser(app, world["secretariat"])
    moderation = text(
        secretariat.get(f"/diagnostic/consultations/{world['consultation']}/moderation")
    )
    assert SENT in moderation and EMAIL in moderation
    task = f'data-task="consultation_moderate-{world["consultation"]}"'
    assert task in text(secretariat.get("/tasks"))
    listing = text(secretariat.get("/diagnostic/cities/fes/consultations"))
    assert "Le numérique que vous attendez à Fès" in listing

    # Published with a name cut out: now public, in the list and the export, never the address.
    edited = "Prendre rendez-vous en ligne au centre de santé de la médina"
    response = publish(secretariat, world, waiting, text=edited)
    assert response.status_code == 302, text(response)
    assert edited in text(resident.get(world["url"]))
    assert edited in text(observer.get("/diagnostic/cities/fes/expectations"))
    assert task not in text(secretariat.get("/tasks"))
    export = local.get(f"/diagnostic/consultations/{world['consultation']}/results.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[1][3] == edited and rows[1][4] == "À qualifier"
    pages = [
        resident.get(world["url"]),
        resident.get("/consultation/"),
        observer.get(f"/diagnostic/expectations/{waiting.id}"),
        observer.get("/diagnostic/cities/fes/consultations"),
        secretariat.get(f"/diagnostic/expectations/{waiting.id}"),
    ]
    assert all(EMAIL not in text(page) for page in pages)
    assert EMAIL.encode() not in export.data
    with app.app_context():
        trail = db.session.scalars(sa.select(AuditEvent.details)).all()
    assert EMAIL not in str(trail) and SENT not in str(trail)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"website": "http://spam.example"}, "website", "Laissez vide le champ"),
        ({"text": "Wi-Fi"}, "text", "en 20 caractères au moins"),
        ({"text": "x" * 1001}, "text", "plus de 1000 caractères"),
        ({"district": "Ailleurs"}, "district", "Choisissez un quartier de la liste"),
        ({"domain_id": "999999"}, "domain_id", "Not a valid choice"),
        ({"email": "pas-une-adresse"}, "email", "adresse e-mail"),
    ],
    ids=["honeypot", "short", "long", "district", "domain", "email"],
)
def test_a_bad_submission_changes_nothing_and_keeps_what_was_typed(
    app, world, values, field, message
):
    resident = app.test_client()
    response = submit(resident, world, **values)
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert f'id="{field}-errors"' in page
    if field != "domain_id":
        assert message in page
    assert SENT in page or values.get("text", "")[:50] in page  # the text comes back
    assert count(app) == 1  # the study's own expectation only


def test_the_consultation_takes_nothing_outside_its_period(app, world):
    resident = app.test_client()
    with time_machine.travel(DAY + timedelta(days=31), tick=False):
        response = submit(resident, world)
        assert response.status_code == 422
        assert "Cette consultation est close" in text(response)
        assert "Déposer une attente" not in text(resident.get(world["url"]))
    with time_machine.travel(DAY - timedelta(days=1), tick=False):
        assert resident.get(world["url"]).status_code == 404  # the city's draft until it opens
    assert count(app) == 1


@pytest.fixture
def strict(app):
    from portal.extensions import limiter

    loose = app.config["CONSULTATION_RATE_LIMIT"]
    app.config["CONSULTATION_RATE_LIMIT"] = "3 per hour"
    limiter.reset()
    yield
    limiter.reset()
    app.config["CONSULTATION_RATE_LIMIT"] = loose


def test_one_address_sending_too_much_is_stopped_with_a_message(app, world, strict):
    resident = app.test_client()
    answers = [submit(resident, world, text=f"{SENT} ({n})") for n in range(5)]
    assert [a.status_code for a in answers] == [302, 302, 302, 429, 429]
    assert "Trop d'envois depuis votre adresse" in text(answers[3])
    assert int(answers[3].headers["Retry-After"]) > 0
    assert count(app, Expectation, Expectation.status == ExpectationStatus.PENDING) == 3
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert submit(elsewhere, world).status_code == 302
    # In Arabic for a resident reading Arabic.
    with resident.session_transaction() as session:
        session["lang"] = "ar"
    refused = submit(resident, world)
    assert refused.status_code == 429 and 'dir="rtl"' in refused.get_data(as_text=True)
    assert "Trop d'envois" not in text(refused)


def _published(app, client, world, text_=SENT):
    assert submit(app.test_client(), world, text=text_).status_code == 302
    with app.app_context():
        found = db.session.scalar(
            sa.select(Expectation).where(
                Expectation.status == ExpectationStatus.PENDING, Expectation.text == text_
            )
        )
        db.session.expunge(found)
    assert publish(client, world, found).status_code == 302
    return found


def support(client, world, expectation_id, email=""):
    return client.post(
        f"{world['url']}/expectations/{expectation_id}/support", data={"email": email}
    )


def test_a_support_counts_once_per_browser_and_once_per_address(app, world):
    secretariat = browser(app, world["secretariat"])
    published = _published(app, secretariat, world)
    first = app.test_client()
    assert support(first, world, published.id).status_code == 302
    assert "1 soutien" in text(first.get(world["url"]))
    assert "Vous soutenez cette attente." in text(first.get(world["url"]))
    again = support(first, world, published.id)
    assert again.status_code == 422 and "déjà soutenu" in text(again)

    second = app.test_client()
    assert support(second, world, published.id, email="Ali@Exemple.ma").status_code == 302
    third = app.test_client()  # another browser, the same address however written
    refused = support(third, world, published.id, email=" ali@exemple.ma ")
    assert refused.status_code == 422 and "déjà soutenu" in text(refused)
    assert "2 soutiens" in text(third.get(world["url"]))
    with app.app_context():
        keys = db.session.execute(
            sa.select(ConsultationSupport.browser_key, ConsultationSupport.email_key)
        ).all()
    assert len(keys) == 2 and all("@" not in str(key) for row in keys for key in row)

    # An expectation not published cannot be supported, nor one of another consultation.
    assert submit(app.test_client(), world, text=f"{SENT} bis").status_code == 302
    waiting = pending_one(app)
    assert support(app.test_client(), world, waiting.id).status_code == 404
    assert support(app.test_client(), world, world["study"]).status_code == 404


def test_merging_keeps_one_support_per_person(app, world):
    secretariat = browser(app, world["secretariat"])
    kept = _published(app, secretariat, world)
    duplicate = _published(app, secretariat, world, text_=f"{SENT}, vite")
    both, only = app.test_client(), app.test_client()
    for client in (both, only):
        assert support(client, world, duplicate.id).status_code == 302
    assert support(both, world, kept.id).status_code == 302
    with app.app_context():
        version = db.session.get(Expectation, duplicate.id).version
    response = secretariat.post(
        f"/diagnostic/expectations/{duplicate.id}/merge",
        data={"into_id": kept.id, "version": version},
    )
    assert response.status_code == 302, text(response)
    page = text(app.test_client().get(world["url"]))
    assert "2 soutiens" in page and f"{SENT}, vite" not in page


def test_the_moderators_decide_and_the_residents_are_told_then_forgotten(app, world, smtp):
    from portal.services.diagnostic import outcomes

    for n, lang in enumerate(["fr", "ar", "en"]):
        resident = app.test_client()
        with resident.session_transaction() as session:
            session["lang"] = lang
        assert (
            submit(resident, world, text=f"{SENT} {n}", email=f"r{n}@exemple.ma").status_code == 302
        )
    with app.app_context():
        ids = db.session.scalars(
            sa.select(Expectation.id)
            .where(Expectation.status == ExpectationStatus.PENDING)
            .order_by(Expectation.id)
        ).all()
    base = f"/diagnostic/consultations/{world['consultation']}/expectations"
    secretariat = browser(app, world["secretariat"])
    local = browser(app, world["local"])
    # The city's decision-maker qualifies, but moderating is the secretariat's.
    assert local.post(f"{base}/{ids[0]}/reject", data={f"r{ids[0]}-reason": "x"}).status_code == 403

    first = pending_one(app)
    # A stale form, and a refusal on its field, change nothing and keep what was typed.
    stale = publish(secretariat, world, first, version=first.version + 5, population="12000")
    assert stale.status_code == 409
    bad = publish(secretariat, world, first, population="beaucoup")
    assert bad.status_code == 422 and 'value="beaucoup"' in bad.get_data(as_text=True)
    assert publish(secretariat, world, first).status_code == 302
    response = secretariat.post(
        f"{base}/{ids[1]}/merge",
        data={f"m{ids[1]}-into_id": world["study"], f"m{ids[1]}-version": 1},
    )
    assert response.status_code == 302, text(response)
    response = secretariat.post(
        f"{base}/{ids[2]}/reject", data={f"r{ids[2]}-version": 1, f"r{ids[2]}-reason": ""}
    )
    assert response.status_code == 422  # a rejection says why
    response = secretariat.post(
        f"{base}/{ids[2]}/reject",
        data={f"r{ids[2]}-version": 1, f"r{ids[2]}-reason": "Hors du schéma numérique."},
    )
    assert response.status_code == 302
    again = secretariat.post(
        f"{base}/{ids[2]}/reject", data={f"r{ids[2]}-version": 2, f"r{ids[2]}-reason": "x"}
    )
    assert again.status_code == 422 and "Cette attente est déjà modérée." in text(again)

    with app.app_context():
        assert outcomes.send_outcomes() == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsultationContact)) == 0
    by_address = {m["To"]: m for m in smtp.messages}
    assert by_address["r0@exemple.ma"]["Subject"].startswith("Votre attente est publiée")
    arabic = by_address["r1@exemple.ma"]
    assert "الخدمات الرقمية التي تنتظرونها في فاس" in arabic["Subject"]
    english = by_address["r2@exemple.ma"]
    assert "Hors du schéma numérique." in english.get_body(("plain",)).get_content()
    with app.app_context():
        assert outcomes.send_outcomes() == 0  # told once


def test_a_consultation_is_opened_by_the_city_without_overlapping_another(app, world):
    local = browser(app, world["local"])
    form = {
        "title": "Deuxième consultation",
        "districts": "Saïs\nsaïs\nAgdal",
        "opens_on": (DAY + timedelta(days=40)).isoformat(),
        "closes_on": (DAY + timedelta(days=35)).isoformat(),
    }
    response = local.post("/diagnostic/cities/fes/consultations/new", data=form)
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert 'id="closes_on-errors"' in page and "La clôture suit l'ouverture." in page
    assert "Deuxième consultation" in page
    overlapping = dict(
        form,
        opens_on=(DAY + timedelta(days=20)).isoformat(),
        closes_on=(DAY + timedelta(days=50)).isoformat(),
    )
    response = local.post("/diagnostic/cities/fes/consultations/new", data=overlapping)
    assert response.status_code == 422 and "couvre déjà une partie" in text(response)
    too_long = dict(form, closes_on=form["opens_on"], districts="Saïs\n" + "x" * 121)
    response = local.post("/diagnostic/cities/fes/consultations/new", data=too_long)
    assert response.status_code == 422
    assert 'id="districts-errors"' in response.get_data(as_text=True)
    later = dict(
        form,
        opens_on=(DAY + timedelta(days=31)).isoformat(),
        closes_on=(DAY + timedelta(days=60)).isoformat(),
    )
    assert local.post("/diagnostic/cities/fes/consultations/new", data=later).status_code == 302
    with app.app_context():
        second = db.session.scalar(
            sa.select(Consultation).where(Consultation.title == "Deuxième consultation")
        )
        assert second.districts == ["Saïs", "Agdal"]
    elsewhere = browser(app, world["local_elsewhere"])
    assert elsewhere.post("/diagnostic/cities/fes/consultations/new", data=later).status_code == 404
    assert count(app, Consultation) == 2
