"""Scenario fixtures: a city with its commune, the people who draft, decide and follow."""

import pytest

from portal.models import OrganizationKind, Role


@pytest.fixture
def world(app, make_city, make_org, make_user):
    city = make_city(name="Marrakech", slug="marrakech")
    elsewhere = make_city(name="Agadir", slug="agadir")
    commune = make_org(city=city, short_name="CU Marrakech", kind=OrganizationKind.COMMUNE)
    consultancy = make_org(short_name="ADC", kind=OrganizationKind.CONSULTANT)
    operator = make_org(short_name="IAM", kind=OrganizationKind.TELECOM_OPERATOR)
    return {
        "city": city,
        "elsewhere": elsewhere,
        "commune": commune,
        "operator_org": operator,
        "secretariat": make_user(role=Role.SECRETARIAT),
        # The consultancy that runs Marrakech's study drafts Marrakech's scenarios only.
        "consultant": make_user(role=Role.CONTRIBUTOR, organization=consultancy, city=city),
        "operator": make_user(role=Role.CONTRIBUTOR, organization=operator),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_elsewhere": make_user(role=Role.LOCAL_DECISION_MAKER, city=elsewhere),
        "central": make_user(role=Role.CENTRAL_DECISION_MAKER),
        "observer": make_user(role=Role.OBSERVER),
    }
