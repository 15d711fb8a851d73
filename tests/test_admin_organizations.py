"""Administrators maintain the cities and the organisations that take part in the programme."""

from html import unescape

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, City, Organization, OrganizationKind, Role


def _admin(make_user, login_as):
    admin = make_user(role=Role.ADMIN)
    login_as(admin)
    return admin


def _get(app, model, obj_id):
    with app.app_context():
        obj = db.session.get(model, obj_id)
        db.session.expunge(obj)
        return obj


def _actions(app):
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_admin_adds_a_city_and_an_organisation_in_it(app, client, make_user, login_as):
    _admin(make_user, login_as)
    response = client.post(
        "/admin/cities/new", data={"name": "Tanger", "slug": "tanger", "region": "Tanger-Tétouan"}
    )
    assert response.status_code == 302
    with app.app_context():
        city = db.session.scalar(sa.select(City).where(City.slug == "tanger"))
        assert city.region == "Tanger-Tétouan"
        city_id = city.id
    response = client.post(
        "/admin/organizations/new",
        data={
            "name": "Agence Urbaine de Tanger",
            "short_name": "AUT",
            "kind": "urban_agency",
            "city_id": city_id,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(sa.select(Organization).where(Organization.short_name == "AUT"))
        assert (org.kind, org.city_id) == (OrganizationKind.URBAN_AGENCY, city_id)
    assert _actions(app)[-2:] == ["city.created", "organization.created"]
    listing = client.get("/admin/organizations?kind=urban_agency").get_data(as_text=True)
    assert "Agence Urbaine de Tanger" in listing and "Tanger" in listing


def test_a_national_organisation_has_no_city(app, client, make_user, login_as):
    _admin(make_user, login_as)
    client.post(
        "/admin/organizations/new",
        data={
            "name": "Opérateur Test",
            "short_name": "OPT",
            "kind": "telecom_operator",
            "city_id": 0,
        },
    )
    with app.app_context():
        org = db.session.scalar(sa.select(Organization).where(Organization.short_name == "OPT"))
        assert org.city_id is None
    html = client.get("/admin/organizations?city=national").get_data(as_text=True)
    assert "Opérateur Test" in html


def test_bad_organisation_input_is_refused_and_stores_nothing(
    app, client, make_user, make_org, login_as
):
    _admin(make_user, login_as)
    existing = make_org(name="Régie Existante", short_name="REX")
    base = {"name": "Nouvelle Régie", "short_name": "NRG", "kind": "utility", "city_id": 0}
    cases = [
        ({"name": "régie existante"}, "Un organisme porte déjà ce nom."),
        ({"short_name": "rex"}, "Ce sigle est déjà utilisé par un autre organisme."),
        ({"kind": "bank"}, "pas un choix valide"),
        ({"city_id": 999999}, "pas un choix valide"),
        ({"name": "   "}, "Ce champ est requis."),
    ]
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Organization))
    for change, message in cases:
        response = client.post("/admin/organizations/new", data={**base, **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    with app.app_context():
        after = db.session.scalar(sa.select(sa.func.count()).select_from(Organization))
    assert after == before
    assert existing.id


def test_bad_city_input_is_refused(app, client, make_user, make_city, login_as):
    _admin(make_user, login_as)
    make_city(name="Rabat", slug="rabat")
    cases = [
        ({"name": "Rabat", "slug": "rabat-2"}, "Une ville porte déjà ce nom."),
        ({"name": "Rabat 2", "slug": "rabat"}, "Cet identifiant est déjà pris."),
        ({"name": "Salé", "slug": "Salé Ville"}, "lettres minuscules, chiffres et tirets"),
    ]
    for change, message in cases:
        response = client.post("/admin/cities/new", data={"region": "Rabat-Salé", **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(City)) == 1


def test_editing_an_organisation_is_audited_with_before_and_after(
    app, client, make_user, make_org, make_city, login_as
):
    _admin(make_user, login_as)
    city = make_city()
    org = make_org(name="Ancien Nom", short_name="ANC", kind=OrganizationKind.COMMUNE)
    response = client.post(
        f"/admin/organizations/{org.id}",
        data={
            "name": "Nouveau Nom",
            "short_name": "ANC",
            "kind": "commune",
            "city_id": city.id,
            "version": org.version,
        },
    )
    assert response.status_code == 302
    updated = _get(app, Organization, org.id)
    assert (updated.name, updated.city_id) == ("Nouveau Nom", city.id)
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "organization.updated")
        ).one()
        assert event.details["name"] == {"before": "Ancien Nom", "after": "Nouveau Nom"}
        assert event.details["city_id"] == {"before": None, "after": city.id}


def test_a_stale_organisation_edit_changes_nothing(app, client, make_user, make_org, login_as):
    _admin(make_user, login_as)
    org = make_org(name="Original", short_name="ORI")
    data = {"short_name": "ORI", "kind": "commune", "city_id": 0, "version": org.version}
    assert (
        client.post(f"/admin/organizations/{org.id}", data={**data, "name": "Premier"}).status_code
        == 302
    )
    response = client.post(f"/admin/organizations/{org.id}", data={**data, "name": "Second"})
    assert response.status_code == 409
    assert "modifiée par quelqu'un d'autre" in unescape(response.get_data(as_text=True))
    assert _get(app, Organization, org.id).name == "Premier"


def test_a_stale_city_edit_changes_nothing(app, client, make_user, make_city, login_as):
    _admin(make_user, login_as)
    city = make_city(name="Oujda", slug="oujda")
    data = {"slug": "oujda", "region": "Oriental", "version": city.version}
    assert (
        client.post(f"/admin/cities/{city.id}", data={**data, "name": "Oujda A"}).status_code == 302
    )
    response = client.post(f"/admin/cities/{city.id}", data={**data, "name": "Oujda B"})
    assert response.status_code == 409
    assert _get(app, City, city.id).name == "Oujda A"


def test_organisation_list_counts_accounts_per_organisation(client, make_user, make_org, login_as):
    _admin(make_user, login_as)
    org = make_org(name="Régie Comptée", short_name="RCO")
    make_user(organization=org)
    make_user(organization=org)
    html = client.get("/admin/organizations?q=comptée").get_data(as_text=True)
    assert "Régie Comptée" in html
    assert f'organization={org.id}">2</a>' in html


def test_a_city_named_in_arabic_reads_so_for_arabic_readers_only(
    app, client, make_user, make_city, login_as
):
    _admin(make_user, login_as)
    response = client.post(
        "/admin/cities/new",
        data={
            "name": "Tanger",
            "slug": "tanger",
            "region": "Tanger-Tétouan",
            "name_en": "Tangier",
            "name_ar": "طنجة",
        },
    )
    assert response.status_code == 302
    make_city(name="Oujda", slug="oujda")  # no name but the French one
    html = unescape(client.get("/admin/cities").get_data(as_text=True))
    assert "Tanger" in html and "طنجة" not in html
    client.post("/account/language", data={"language": "ar"})
    html = unescape(client.get("/admin/cities").get_data(as_text=True))
    assert "طنجة" in html and "Tanger<" not in html and "Oujda" in html
    client.post("/account/language", data={"language": "en"})
    assert "Tangier" in client.get("/admin/cities").get_data(as_text=True)
    # A name longer than its column is refused on its own field, and nothing is stored.
    with app.app_context():
        city = db.session.scalar(sa.select(City).where(City.slug == "tanger"))
        city_id, version = city.id, city.version
    client.post("/account/language", data={"language": "fr"})
    response = client.post(
        f"/admin/cities/{city_id}",
        data={
            "name": "Tanger",
            "slug": "tanger",
            "region": "Tanger-Tétouan",
            "name_en": "Tangier",
            "name_ar": "ط" * 121,
            "version": version,
        },
    )
    assert response.status_code == 422
    assert 'id="name_ar-errors"' in response.get_data(as_text=True)
    assert _get(app, City, city_id).name_ar == "طنجة"


def test_seed_reference_gives_existing_cities_and_organisations_their_names(app):
    from portal.services import seeding

    with app.app_context():
        seeding.load_reference()
        marrakech = db.session.scalar(sa.select(City).where(City.slug == "marrakech"))
        marrakech.name_ar = ""  # a portal from before the names
        commune = db.session.scalar(
            sa.select(Organization).where(Organization.short_name == "CU Fès")
        )
        commune.name_ar = "جماعة فاس المحلية"  # a name someone chose stays theirs
        db.session.commit()
        seeding.load_reference()
        db.session.commit()
        assert marrakech.name_ar == "مراكش" and marrakech.name_en == "Marrakesh"
        assert commune.name_ar == "جماعة فاس المحلية"
