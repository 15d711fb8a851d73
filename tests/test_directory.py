"""The directory of organisations and each organisation's page."""

from datetime import date

from portal.models import MilestoneStatus, OrganizationKind, RaciRole, Role
from tests.conftest import login


def test_directory_lists_and_filters_organisations(app, make_user, make_org, make_city):
    city = make_city(name="Fès")
    make_org(name="Régie de Fès", short_name="RADEEF", kind=OrganizationKind.UTILITY, city=city)
    make_org(name="Opérateur national", short_name="OPN", kind=OrganizationKind.TELECOM_OPERATOR)
    client = app.test_client()
    login(client, make_user(role=Role.OBSERVER))
    html = client.get("/organizations").get_data(as_text=True)
    assert "Régie de Fès" in html and "Opérateur national" in html
    html = client.get("/organizations?city=national").get_data(as_text=True)
    assert "Opérateur national" in html and "Régie de Fès" not in html
    html = client.get("/organizations?kind=utility").get_data(as_text=True)
    assert "Régie de Fès" in html and "Opérateur national" not in html


def test_profile_shows_contacts_responsibilities_and_milestones(
    app, make_user, make_org, make_city, make_plan, make_action, make_milestone, monkeypatch
):
    from portal import clock
    from portal.extensions import db
    from portal.models import RaciAssignment

    monkeypatch.setattr(clock, "today", lambda: date(2026, 4, 1))
    city = make_city(name="Fès")
    utility = make_org(name="Régie de Fès", short_name="RADEEF", city=city)
    make_user(organization=utility, full_name="Hind Active", role=Role.CONTRIBUTOR)
    make_user(organization=utility, full_name="Ancien Agent", active=False)
    action = make_action(plan=make_plan(city=city), code="FES-01", lead_organization=utility)
    make_milestone(action=action, title="Pose des fourreaux", due_date=date(2026, 3, 1))
    make_milestone(action=action, title="Déjà livré", status=MilestoneStatus.SUBMITTED)
    with app.app_context():
        db.session.add(
            RaciAssignment(
                action_id=action.id, organization_id=utility.id, role=RaciRole.RESPONSIBLE
            )
        )
        db.session.commit()
    client = app.test_client()
    login(client, make_user(role=Role.EVALUATOR))
    html = client.get(f"/organizations/{utility.id}/profile").get_data(as_text=True)
    assert "Hind Active" in html and "Ancien Agent" not in html
    assert "FES-01" in html and "Réalise (R)" in html
    assert "Pose des fourreaux" in html and "Déjà livré" not in html
    assert "1 jalon à livrer" in html and "1 en retard" in html
    assert client.get("/organizations/999999/profile").status_code == 404


def test_a_large_organisations_contacts_come_a_page_at_a_time(app, make_user, make_org):
    organization = make_org(short_name="GRANDE")
    for n in range(27):
        make_user(organization=organization, full_name=f"Contact {n:02d}", role=Role.OBSERVER)
    client = app.test_client()
    assert login(client, make_user(role=Role.OBSERVER)).status_code == 302
    first = client.get(f"/organizations/{organization.id}/profile").get_data(as_text=True)
    second = client.get(f"/organizations/{organization.id}/profile?page=2").get_data(as_text=True)
    assert first.count("Contact ") == 25 and "Contact 24" in first
    assert second.count("Contact ") == 2 and "Contact 26" in second
