"""Finance fixtures: `w` for the service tests, `world` and a fixed `_today` for the pages."""

from types import SimpleNamespace

import pytest

from portal import clock
from portal.models import OrganizationKind, Role
from tests.finance.helpers import TODAY

# --- The world: one city, its organisations, everyone who may look ----------------------------


@pytest.fixture
def w(ctx, make_city, make_org, make_user):
    city, other_city = make_city(name="Marrakech"), make_city(name="Agadir")
    payer = make_org(city=city, short_name="RADEEMA")
    payee = make_org(short_name="IAM")  # national: operates in every city
    third = make_org(city=city, short_name="ONEE")
    far = make_org(city=other_city, short_name="RADEEF")
    return SimpleNamespace(
        city=city,
        other_city=other_city,
        payer_org=payer,
        payee_org=payee,
        third_org=third,
        far_org=far,
        secretariat=make_user(role=Role.SECRETARIAT),
        payer=make_user(role=Role.CONTRIBUTOR, organization=payer),
        payee=make_user(role=Role.CONTRIBUTOR, organization=payee),
        third=make_user(role=Role.CONTRIBUTOR, organization=third),
        far=make_user(role=Role.CONTRIBUTOR, organization=far),
        local=make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        local_other=make_user(role=Role.LOCAL_DECISION_MAKER, city=other_city),
        central=make_user(role=Role.CENTRAL_DECISION_MAKER),
        admin=make_user(role=Role.ADMIN),
        evaluator=make_user(role=Role.EVALUATOR),
        observer=make_user(role=Role.OBSERVER),
    )


# --- The pages' world, and the date they run on -----------------------------------------------


@pytest.fixture
def world(make_city, make_org, make_user):
    city, elsewhere = make_city(name="Marrakech", slug="marrakech"), make_city(name="Fès")
    utility = make_org(city=city, short_name="RADEEMA", kind=OrganizationKind.UTILITY)
    operator = make_org(short_name="IAM", kind=OrganizationKind.TELECOM_OPERATOR)
    third = make_org(short_name="Orange", kind=OrganizationKind.TELECOM_OPERATOR)
    return {
        "city": city,
        "elsewhere": elsewhere,
        "utility": utility,
        "operator": operator,
        "third": third,
        "secretariat": make_user(role=Role.SECRETARIAT),
        "payer": make_user(role=Role.CONTRIBUTOR, organization=operator),
        "payee": make_user(role=Role.CONTRIBUTOR, organization=utility),
        "outsider": make_user(role=Role.CONTRIBUTOR, organization=third),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_elsewhere": make_user(role=Role.LOCAL_DECISION_MAKER, city=elsewhere),
        "central": make_user(role=Role.CENTRAL_DECISION_MAKER),
        "observer": make_user(role=Role.OBSERVER),
    }


@pytest.fixture
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
