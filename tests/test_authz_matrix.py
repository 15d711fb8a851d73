"""Every route against every role: the permission matrix.

A new route fails here until it declares a permission (portal/authz.py) and is given its
expected audience in EXPECTED below.
"""

from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from portal import authz, create_app
from portal.models import OrganizationKind, Role
from tests.conftest import login

PUBLIC = "public"
SIGNED_IN = "signed-in"
ADMIN_ONLY = frozenset({Role.ADMIN})
EVERY_ROLE = frozenset(Role)
SECRETARIAT = frozenset({Role.SECRETARIAT})
# The money between organisations: not the administrator, the evaluator nor the observer.
# Scenarios are drafted by the secretariat and, for its city, by the study's consultancy.
DRAFTERS = frozenset({Role.SECRETARIAT, Role.CONTRIBUTOR})
FINANCE = frozenset(
    {Role.CENTRAL_DECISION_MAKER, Role.LOCAL_DECISION_MAKER, Role.CONTRIBUTOR, Role.SECRETARIAT}
)

EXPECTED: dict[str, object] = {
    "static": PUBLIC,
    "favicon": PUBLIC,
    "robots": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "account.profile": SIGNED_IN,
    "account.change_password": SIGNED_IN,
    "account.reminder_preferences": SIGNED_IN,
    "account.set_language": PUBLIC,
    "home.index": SIGNED_IN,
    "home.health": PUBLIC,
    "users.list": ADMIN_ONLY,
    "users.create": ADMIN_ONLY,
    "users.edit": ADMIN_ONLY,
    "users.deactivate": ADMIN_ONLY,
    "users.activate": ADMIN_ONLY,
    "audit.list": ADMIN_ONLY,
    "organizations.cities": ADMIN_ONLY,
    "organizations.edit_city": ADMIN_ONLY,
    "organizations.list": ADMIN_ONLY,
    "organizations.edit": ADMIN_ONLY,
    "plans.programme": EVERY_ROLE,
    "plans.city": EVERY_ROLE,
    "plans.timeline": EVERY_ROLE,
    "plans.edit_plan": SECRETARIAT,
    "plans.adopt": SECRETARIAT,
    "plans.create_action": SECRETARIAT,
    "plans.edit_action": SECRETARIAT,
    "plans.domains": SECRETARIAT,
    "milestones.list": EVERY_ROLE,
    "milestones.export": EVERY_ROLE,
    "tasks.list": SIGNED_IN,
    "tasks.decisions": SIGNED_IN,
    "milestones.detail": EVERY_ROLE,
    "milestones.transition": EVERY_ROLE,
    "milestones.evidence": EVERY_ROLE,
    "milestones.comment": frozenset(
        {
            Role.CENTRAL_DECISION_MAKER,
            Role.LOCAL_DECISION_MAKER,
            Role.CONTRIBUTOR,
            Role.SECRETARIAT,
        }
    ),
    "milestones.create": SECRETARIAT,
    "milestones.edit": frozenset({Role.CONTRIBUTOR, Role.SECRETARIAT}),
    "milestones.decide": frozenset({Role.CENTRAL_DECISION_MAKER}),
    "calendars.settings": EVERY_ROLE,
    "calendars.reset_token": EVERY_ROLE,
    "organizations.directory": EVERY_ROLE,
    "organizations.profile": EVERY_ROLE,
    "commitments.list": EVERY_ROLE,
    "commitments.create": frozenset({Role.CONTRIBUTOR, Role.SECRETARIAT}),
    "commitments.detail": EVERY_ROLE,
    "commitments.change_status": EVERY_ROLE,
    "commitments.declare": frozenset({Role.CONTRIBUTOR, Role.SECRETARIAT}),
    "commitments.decide": frozenset({Role.LOCAL_DECISION_MAKER}),
    "commitments.evidence": EVERY_ROLE,
    "raci.action": EVERY_ROLE,
    "raci.toggle": frozenset({Role.LOCAL_DECISION_MAKER, Role.SECRETARIAT}),
    "raci.city": EVERY_ROLE,
    "raci.export": EVERY_ROLE,
    "finance.overview": FINANCE,
    "finance.agreements": FINANCE,
    "finance.export_agreements": FINANCE,
    "finance.create_agreement": SECRETARIAT,
    "finance.edit_agreement": SECRETARIAT,
    "finance.agreement": FINANCE,
    "finance.schedule": SECRETARIAT,
    "finance.sign": SECRETARIAT,
    "finance.terminate": SECRETARIAT,
    "finance.upload_document": SECRETARIAT,
    "finance.document": FINANCE,
    "finance.installments": FINANCE,
    "finance.export_installments": FINANCE,
    "finance.act": FINANCE,
    "finance.assets": FINANCE,
    "finance.create_asset": SECRETARIAT,
    "finance.edit_asset": SECRETARIAT,
    "finance.asset": FINANCE,
    "finance.generate": SECRETARIAT,
    "finance.key": SECRETARIAT,
    "tenders.list": EVERY_ROLE,
    "tenders.detail": EVERY_ROLE,
    "tenders.create": SECRETARIAT,
    "tenders.edit": SECRETARIAT,
    "tenders.lots": SECRETARIAT,
    "tenders.specification": SECRETARIAT,
    "tenders.criteria_labels": SECRETARIAT,
    "tenders.committee": SECRETARIAT,
    "tenders.check": SECRETARIAT,
    "tenders.move": EVERY_ROLE,
    "tenders.declaration": frozenset({Role.EVALUATOR}),
    "tenders.scoring": frozenset({Role.EVALUATOR}),
    "tenders.consensus": frozenset({Role.EVALUATOR}),
    "tenders.justification": frozenset({Role.EVALUATOR}),
    "tenders.bid": frozenset({Role.CONTRIBUTOR}),
    "tenders.minutes_pdf": EVERY_ROLE,
    "tenders.bid_file": EVERY_ROLE,
    "tenders.ocds": EVERY_ROLE,
    "notifications.centre": SIGNED_IN,
    "notifications.badge": SIGNED_IN,
    "notifications.read": SIGNED_IN,
    "notifications.open": SIGNED_IN,
    "notifications.read_all": SIGNED_IN,
    "notifications.outbox": ADMIN_ONLY,
    "notifications.retry": ADMIN_ONLY,
    "notifications.discard": ADMIN_ONLY,
    "notifications.rules": ADMIN_ONLY,
    "notifications.edit_rule": ADMIN_ONLY,
    "coverage.programme": EVERY_ROLE,
    "coverage.city": EVERY_ROLE,
    "coverage.sites": EVERY_ROLE,
    "coverage.export_sites": EVERY_ROLE,
    "coverage.delete_measurement": SECRETARIAT,
    "coverage.map": EVERY_ROLE,
    "coverage.site": EVERY_ROLE,
    "coverage.ranking": EVERY_ROLE,
    "coverage.export_ranking": EVERY_ROLE,
    "coverage.create_indicator": SECRETARIAT,
    "coverage.edit_indicator": SECRETARIAT,
    "coverage.create_target": SECRETARIAT,
    "coverage.edit_target": SECRETARIAT,
    "coverage.add_measurement": SECRETARIAT,
    "coverage.create_site": SECRETARIAT,
    "coverage.edit_site": SECRETARIAT,
    "coverage.advance": SECRETARIAT,
    "coverage.criteria": SECRETARIAT,
    "coverage.criteria_labels": SECRETARIAT,
    "coverage.decide": frozenset({Role.CENTRAL_DECISION_MAKER, Role.LOCAL_DECISION_MAKER}),
    "coverage.assess": frozenset({Role.EVALUATOR}),
    "coverage.figures": frozenset({Role.CONTRIBUTOR, Role.SECRETARIAT}),
    "scenarios.programme": EVERY_ROLE,
    "scenarios.city": EVERY_ROLE,
    "scenarios.detail": EVERY_ROLE,
    "scenarios.export": EVERY_ROLE,
    "scenarios.move": EVERY_ROLE,
    "scenarios.draft_ledger": SECRETARIAT,
    "scenarios.create": DRAFTERS,
    "scenarios.edit": DRAFTERS,
    "scenarios.setup": DRAFTERS,
    "scenarios.copy_lines": DRAFTERS,
    "scenarios.lines_from_asset": DRAFTERS,
    "scenarios.create_party": DRAFTERS,
    "scenarios.edit_party": DRAFTERS,
    "scenarios.delete_party": DRAFTERS,
    "scenarios.create_line": DRAFTERS,
    "scenarios.edit_line": DRAFTERS,
    "scenarios.delete_line": DRAFTERS,
    "diagnostic.programme": EVERY_ROLE,
    "diagnostic.services": EVERY_ROLE,
    "diagnostic.service_page": EVERY_ROLE,
    "diagnostic.create_service": DRAFTERS,
    "diagnostic.edit_service": DRAFTERS,
    "diagnostic.record_use": DRAFTERS,
    "diagnostic.expectations": EVERY_ROLE,
    "diagnostic.expectation": EVERY_ROLE,
    # Recorded by the study's team and the qualifiers.
    "diagnostic.create_expectation": DRAFTERS | {Role.LOCAL_DECISION_MAKER},
    "diagnostic.edit_expectation": DRAFTERS | {Role.LOCAL_DECISION_MAKER},
    "diagnostic.matrix": EVERY_ROLE,
    "diagnostic.infrastructure": EVERY_ROLE,
    "diagnostic.create_infrastructure": DRAFTERS,
    "diagnostic.edit_infrastructure": DRAFTERS,
    "diagnostic.export_matrix": EVERY_ROLE,
    "diagnostic.qualify": frozenset({Role.SECRETARIAT, Role.LOCAL_DECISION_MAKER}),
    "diagnostic.answer": frozenset({Role.SECRETARIAT, Role.LOCAL_DECISION_MAKER}),
    "diagnostic.merge": frozenset({Role.SECRETARIAT, Role.LOCAL_DECISION_MAKER}),
    "diagnostic.reject": frozenset({Role.SECRETARIAT, Role.LOCAL_DECISION_MAKER}),
    "calendars.user_feed": PUBLIC,
    "calendars.city_feed": PUBLIC,
    "account.unsubscribe": PUBLIC,
    "consultations.consultations": EVERY_ROLE,
    "consultations.create_consultation": frozenset({Role.SECRETARIAT, Role.LOCAL_DECISION_MAKER}),
    "consultations.edit_consultation": frozenset({Role.SECRETARIAT, Role.LOCAL_DECISION_MAKER}),
    "consultations.export_results": EVERY_ROLE,
    # Only the secretariat reads what residents sent before it is published.
    "consultations.moderation": frozenset({Role.SECRETARIAT}),
    "consultations.publish": frozenset({Role.SECRETARIAT}),
    "consultations.merge": frozenset({Role.SECRETARIAT}),
    "consultations.reject": frozenset({Role.SECRETARIAT}),
    "governance.index": EVERY_ROLE,
    "governance.body": EVERY_ROLE,
    # A body's secretary may be anyone of the portal: their role in the body decides.
    "governance.create_meeting": EVERY_ROLE,
    "governance.edit_meeting": EVERY_ROLE,
    "governance.meeting": EVERY_ROLE,
    "governance.add_proposed": EVERY_ROLE,
    "governance.add_item": EVERY_ROLE,
    "governance.move_item": EVERY_ROLE,
    "governance.remove_item": EVERY_ROLE,
    "governance.cancel_meeting": EVERY_ROLE,
    "governance.send_apologies": EVERY_ROLE,
    "governance.record_attendance": EVERY_ROLE,
    "governance.record_outcome": EVERY_ROLE,
    "governance.save_minutes": EVERY_ROLE,
    "governance.circulate_minutes": EVERY_ROLE,
    "governance.comment_minutes": EVERY_ROLE,
    "governance.adopt_minutes": EVERY_ROLE,
    "governance.minutes_file": EVERY_ROLE,
    "governance.meeting_report": EVERY_ROLE,
    "governance.meeting_report_file": EVERY_ROLE,
    "governance.live_report": frozenset({Role.SECRETARIAT}),
    "governance.live_report_file": frozenset({Role.SECRETARIAT}),
    "governance.attach_report": frozenset({Role.SECRETARIAT}),
    "governance.actions": EVERY_ROLE,
    "governance.close_action": EVERY_ROLE,
    "governance.decisions": EVERY_ROLE,
    "governance.export_decisions": EVERY_ROLE,
    "governance.create_body": frozenset({Role.SECRETARIAT}),
    "governance.edit_body": frozenset({Role.SECRETARIAT}),
    "governance.set_member": frozenset({Role.SECRETARIAT}),
    "governance.remove_member": frozenset({Role.SECRETARIAT}),
    "consultation.index": PUBLIC,
    "consultation.page": PUBLIC,
    "consultation.submit": PUBLIC,
    "consultation.thanks": PUBLIC,
    "consultation.support": PUBLIC,
    "open_data.index": PUBLIC,
    "open_data.release": PUBLIC,
}

# Values for the URL arguments of each route; "target_user" is an account the test creates.
SAMPLE_ARGS = {
    "filename": "css/portal.css",
    "user_id": "target_user",
    "city_id": "target_city",
    "organization_id": "target_organization",
    "slug": "target_city_slug",
    "action_id": "target_action",
    "milestone_id": "target_milestone",
    "request_id": "target_change_request",
    "domain_id": "target_domain",
    "fmt": "csv",
    "kind": "milestone_due",
    "token": "unknown-token",
    "commitment_id": "target_commitment",
    "update_id": "target_update",
    "file_id": "target_file",
    "agreement_id": "target_agreement",
    "installment_id": "target_installment",
    "asset_id": "target_asset",
    "tender_id": "target_tender",
    "lot_id": "target_lot",
    "bid_id": "target_bid",
    "message_id": 1,
    "site_kind": "digital_space",
    "site_id": "target_site",
    "target_id": "target_indicator_target",
    "indicator_id": "target_indicator",
    "measurement_id": "target_measurement",
    "scenario_id": "target_scenario",
    "party_id": "target_party",
    "line_id": "target_line",
    "service_id": "target_service",
    "expectation_id": "target_expectation",
    "item_id": "target_infrastructure",
    "consultation_id": "target_consultation",
    "body_id": "target_body",
    "meeting_id": "target_meeting",
    "member_id": "target_member",
    "direction": "up",
    "lang": "fr",
}

AUDIENCES = [None, *Role]  # None: an anonymous visitor


def _rules(app: Flask, endpoint: str):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    assert rules, endpoint
    return rules


def test_every_route_declares_a_permission(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if authz.declared_permission(app, rule.endpoint) is None
    ]
    assert undeclared == []


def test_every_route_has_an_expected_audience(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED)


def test_declarations_match_the_expected_audiences(app):
    for endpoint, expected in EXPECTED.items():
        declared = authz.declared_permission(app, endpoint)
        if expected == PUBLIC:
            assert declared == authz.PUBLIC, endpoint
        elif expected == SIGNED_IN:
            assert declared == authz.AUTHENTICATED, endpoint
        else:
            holders = {r for r, perms in authz.ROLE_PERMISSIONS.items() if declared in perms}
            assert holders == expected, endpoint


def test_every_role_has_a_row_in_the_permission_table():
    assert set(authz.ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", AUDIENCES, ids=lambda r: r.value if r else "anonymous")
def test_route_answers_each_role_as_the_table_says(
    app,
    client,
    make_user,
    make_city,
    make_org,
    make_plan,
    make_action,
    make_milestone,
    role,
):
    # The objects belong to the person's own city and organisation, so that what is checked
    # here is the route's permission; tests/test_milestones_views.py checks the objects'.
    # One set of objects per role, every route visited in turn: the requests carry no form
    # data, so they change nothing a later route depends on.
    city = make_city()
    # A contributor stands for the city's study consultancy, the one that drafts scenarios.
    consultancy = role is Role.CONTRIBUTOR
    organization = make_org(
        city=city, kind=OrganizationKind.CONSULTANT if consultancy else OrganizationKind.COMMUNE
    )
    user = None
    if role is not None:
        user = make_user(
            role=role,
            city=city if role in authz.CITY_REQUIRED_ROLES or consultancy else None,
            organization=organization,
        )
        assert login(client, user).status_code == 302
    target = make_user()
    action = make_action(plan=make_plan(city=city), lead_organization=organization)
    milestone = make_milestone(action=action, baseline_due_date=date(2026, 6, 30))
    targets = {
        "target_user": target.id,
        "target_city": city.id,
        "target_city_slug": city.slug,
        "target_organization": target.organization_id,
        "target_action": action.id,
        "target_milestone": milestone.id,
        "target_change_request": _change_request(app, milestone.id),
        "target_domain": action.domain_id,
        **_commitment(app, city.id, organization.id),
        **_finance(app, city.id, organization.id, make_org(city=city).id),
        **_tender(app, city.id, organization.id, user.id if role is Role.EVALUATOR else None),
        **_coverage(app, city.id, organization.id, action.domain_id),
        **_scenario(app, city.id),
        **_service(app, city.id, organization.id, action.domain_id),
        **_body(app, city.id, user.id if user else None, target.id),
    }
    problems = []
    for endpoint in sorted(EXPECTED):
        for rule in _rules(app, endpoint):
            values = {
                arg: targets.get(SAMPLE_ARGS[arg], SAMPLE_ARGS[arg]) for arg in rule.arguments
            }
            with app.test_request_context():
                url = url_for(endpoint, **values)
            method = "GET" if "GET" in rule.methods else "POST"
            try:
                _check(client.open(url, method=method), endpoint, role)
            except AssertionError as error:
                problems.append(f"{method} {url}: {error}")
            if endpoint == "auth.logout" and user is not None:
                assert login(client, user).status_code == 302  # signed in again for the rest
    assert problems == [], "\n".join(problems)


def _check(response, endpoint, role):
    expected = EXPECTED[endpoint]
    went_to_login = response.status_code == 302 and response.headers["Location"].startswith(
        "/login"
    )

    if expected == PUBLIC:
        allowed = True
    elif role is None:
        assert went_to_login, f"{endpoint} let an anonymous visitor in ({response.status_code})"
        return
    else:
        allowed = expected == SIGNED_IN or role in expected

    if allowed:
        assert response.status_code != 403, f"{endpoint} refused {role}"
        assert response.status_code < 500
        if endpoint not in ("auth.login", "auth.logout"):
            assert not went_to_login, f"{endpoint} sent {role} to the login page"
    else:
        assert response.status_code == 403, f"{endpoint} let {role} in ({response.status_code})"


def _service(app, city_id: int, organization_id: int, domain_id: int) -> dict:
    """A digital service of the person's city, rendered by their organisation."""
    from datetime import date

    from portal.extensions import db
    from portal.models import DigitalService

    with app.app_context():
        found = DigitalService(
            city_id=city_id,
            name="État civil en ligne",
            provider_id=organization_id,
            domain_id=domain_id,
            channels=["web"],
            baseline_level=1,
            baseline_on=date(2026, 1, 1),
            level=2,
            level_on=date(2026, 6, 1),
        )
        db.session.add(found)
        db.session.commit()
        from portal.models import Expectation, ExpectationSource

        expectation = Expectation(
            city_id=city_id,
            domain_id=domain_id,
            text="Rendez-vous en ligne",
            source=ExpectationSource.WORKSHOP,
            workshop="Atelier santé",
            importance=3,
            population=1000,
        )
        db.session.add(expectation)
        db.session.commit()
        from decimal import Decimal

        from portal.models import Infrastructure, InfrastructureKind

        item = Infrastructure(
            city_id=city_id,
            kind=InfrastructureKind.DUCT,
            name="Fourreaux de la médina",
            owner_id=organization_id,
            quantity=Decimal("12.5"),
        )
        db.session.add(item)
        db.session.commit()
        from portal.models import Consultation

        # Open whatever the day the suite runs.
        consultation = Consultation(
            city_id=city_id,
            title="Le numérique que vous attendez",
            districts=["Médina"],
            opens_on=date(2020, 1, 1),
            closes_on=date(2099, 12, 31),
        )
        db.session.add(consultation)
        db.session.commit()
        return {
            "target_service": found.id,
            "target_expectation": expectation.id,
            "target_infrastructure": item.id,
            "target_consultation": consultation.id,
        }


def _body(app, city_id: int, user_id: int | None, other_id: int) -> dict:
    """The city's steering committee, whose secretary the person is, with another member (the
    one the removal route is tried on), and its next meeting."""
    from datetime import UTC, datetime

    from portal.extensions import db
    from portal.models import Body, BodyKind, BodyMember, Meeting, MemberRole

    with app.app_context():
        body = Body(kind=BodyKind.STEERING, name=f"Comité {city_id}", city_id=city_id, quorum=1)
        body.members.append(BodyMember(user_id=other_id, role=MemberRole.MEMBER))
        if user_id is not None:
            body.members.append(BodyMember(user_id=user_id, role=MemberRole.SECRETARY))
        meeting = Meeting(
            body=body,
            starts_at=datetime(2026, 6, 1, 9, tzinfo=UTC),
            ends_at=datetime(2026, 6, 1, 11, tzinfo=UTC),
            place="Salle du conseil",
        )
        db.session.add_all([body, meeting])
        db.session.commit()
        return {
            "target_body": body.id,
            "target_meeting": meeting.id,
            "target_member": body.members[0].id,
        }


def _scenario(app, city_id: int) -> dict:
    """A draft scenario of the person's city with a party and a line."""
    from decimal import Decimal

    from portal.extensions import db
    from portal.models import InvestmentModel, LineKind, Scenario, ScenarioLine, ScenarioParty

    with app.app_context():
        party = ScenarioParty(name="Commune")
        scenario = Scenario(
            city_id=city_id,
            name="Réseau municipal",
            investment_model=InvestmentModel.PUBLIC_OPERATION,
            parties=[party],
            lines=[
                ScenarioLine(
                    label="Fourreaux", kind=LineKind.CAPEX, party=party, amount=Decimal("10")
                )
            ],
        )
        db.session.add(scenario)
        db.session.commit()
        return {
            "target_scenario": scenario.id,
            "target_party": party.id,
            "target_line": scenario.lines[0].id,
        }


def _coverage(app, city_id: int, organization_id: int, domain_id: int) -> dict:
    """An indicator with the city's target, and a site hosted by the person's organisation."""
    from decimal import Decimal

    from portal.extensions import db
    from portal.models import Indicator, IndicatorTarget, Measurement, Site, SiteKind

    with app.app_context():
        indicator = Indicator(code="fibre", name="Fibre", unit="%", domain_id=domain_id)
        target = IndicatorTarget(
            indicator=indicator,
            city_id=city_id,
            baseline_value=Decimal("10"),
            baseline_date=date(2025, 1, 1),
            target_value=Decimal("50"),
            target_date=date(2030, 1, 1),
        )
        site = Site(
            city_id=city_id,
            district="Centre",
            kind=SiteKind.DIGITAL_SPACE,
            name="EPN Centre",
            address="Centre",
            latitude=Decimal("31.63"),
            longitude=Decimal("-7.98"),
            host_organization_id=organization_id,
            estimated_cost=Decimal("500000"),
            status_since=date(2026, 1, 1),
        )
        measurement = Measurement(
            target=target, value=Decimal("20"), measured_on=date(2026, 1, 1), source="ANRT"
        )
        db.session.add_all([target, site, measurement])
        db.session.commit()
        return {
            "target_measurement": measurement.id,
            "target_site": site.id,
            "target_indicator_target": target.id,
            "target_indicator": indicator.id,
        }


def _commitment(app, city_id: int, organization_id: int) -> dict:
    """A commitment of the person's organisation, with one declared update and its file."""
    from decimal import Decimal

    from portal.extensions import db
    from portal.models import Commitment, CommitmentStatus, CommitmentUpdate, StoredFile, User

    with app.app_context():
        declarer = db.session.scalars(sa.select(User)).first()
        commitment = Commitment(
            organization_id=organization_id,
            city_id=city_id,
            title="Fibre",
            indicator="Fibre posée",
            unit="km",
            baseline_value=Decimal("0"),
            target_value=Decimal("40"),
            due_date=date(2026, 9, 30),
            status=CommitmentStatus.ACCEPTED,
        )
        stored = StoredFile(
            storage_name="matrix-test.pdf",
            original_name="preuve.pdf",
            content_type="application/pdf",
            size=4,
            sha256="0" * 64,
        )
        update = CommitmentUpdate(
            commitment=commitment,
            value=Decimal("5"),
            measured_on=date(2026, 3, 1),
            declared_by=declarer,
            files=[stored],
        )
        db.session.add_all([commitment, update])
        db.session.commit()
        return {
            "target_commitment": commitment.id,
            "target_update": update.id,
            "target_file": stored.id,
        }


def _finance(app, city_id: int, payer_id: int, payee_id: int) -> dict:
    """A signed agreement the person's organisation pays, on an asset it shares."""
    from decimal import Decimal

    from portal.extensions import db
    from portal.models import (
        Agreement,
        AgreementPurpose,
        AgreementStatus,
        AssetKind,
        AssetShare,
        Installment,
        SharedAsset,
    )

    with app.app_context():
        asset = SharedAsset(
            city_id=city_id,
            owner_id=payee_id,
            kind=AssetKind.DUCT,
            name="Fourreaux",
            capital_cost=Decimal("1000.00"),
            shares=[
                AssetShare(organization_id=payee_id, weight=Decimal("50")),
                AssetShare(organization_id=payer_id, weight=Decimal("50")),
            ],
        )
        agreement = Agreement(
            city_id=city_id,
            payer_id=payer_id,
            payee_id=payee_id,
            purpose=AgreementPurpose.CONTRIBUTION,
            title="Part des fourreaux",
            asset=asset,
            total_amount=Decimal("500.00"),
            start_date=date(2026, 1, 1),
            status=AgreementStatus.SIGNED,
            installments=[Installment(due_date=date(2026, 3, 1), amount=Decimal("500.00"))],
        )
        db.session.add_all([asset, agreement])
        db.session.commit()
        return {
            "target_agreement": agreement.id,
            "target_installment": agreement.installments[0].id,
            "target_asset": asset.id,
        }


def _tender(app, city_id: int, bidder_id: int, president_id: int | None) -> dict:
    """A published tender of the person's city with one lot and their organisation's bid;
    an evaluator presides its committee (committee rights are checked per tender)."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from portal.extensions import db
    from portal.models import (
        Bid,
        CommitteeMember,
        CommitteeRole,
        Declaration,
        Lot,
        Procedure,
        Tender,
        TenderCategory,
        TenderStage,
    )

    with app.app_context():
        tender = Tender(
            reference=f"AO-{city_id}",
            title="Étude",
            city_id=city_id,
            category=TenderCategory.STUDIES,
            procedure=Procedure.OPEN_CALL,
            estimate=Decimal("1000.00"),
            stage=TenderStage.PUBLISHED,
            submission_deadline=datetime(2099, 1, 1, tzinfo=UTC),
            lots=[Lot(number=1, title="Lot unique", estimate=Decimal("1000.00"))],
        )
        if president_id is not None:
            tender.members.append(
                CommitteeMember(
                    user_id=president_id,
                    role=CommitteeRole.PRESIDENT,
                    declaration=Declaration.NO_CONFLICT,
                )
            )
        db.session.add(tender)
        db.session.flush()
        bid = Bid(
            lot=tender.lots[0],
            bidder_id=bidder_id,
            received_at=datetime(2026, 1, 1, tzinfo=UTC),
            sealed_price=Decimal("900.00"),
        )
        db.session.add(bid)
        db.session.commit()
        return {"target_tender": tender.id, "target_lot": tender.lots[0].id, "target_bid": bid.id}


def _change_request(app, milestone_id: int) -> int:
    from portal.extensions import db
    from portal.models import ChangeRequest, User

    with app.app_context():
        requester = db.session.scalars(sa.select(User)).first()
        request = ChangeRequest(
            milestone_id=milestone_id,
            requested_by=requester,
            current_due_date=date(2026, 6, 30),
            proposed_due_date=date(2026, 8, 31),
            reason="Test",
        )
        db.session.add(request)
        db.session.commit()
        return request.id


def test_a_route_without_a_declaration_is_refused(app):
    fresh = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": app.config.get("INSTANCE_PATH", app.instance_path),
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret-key",
        }
    )
    fresh.add_url_rule("/forgotten", "forgotten", lambda: "private data")
    response = fresh.test_client().get("/forgotten")
    assert response.status_code == 403
    assert "private data" not in response.get_data(as_text=True)
