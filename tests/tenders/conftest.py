"""Tender fixtures: `w` for the service tests (and the OCDS tests), `world` for pages."""

from types import SimpleNamespace

import pytest

from portal.models import OrganizationKind, Role
from tests.tenders.page_helpers import PRICES

# --- The world: the secretariat, the ministry, evaluators, bidders, onlookers -----------------


@pytest.fixture
def w(ctx, make_city, make_org, make_user):
    city, other_city = make_city(name="Marrakech"), make_city(name="Agadir")
    firms = [
        make_org(short_name=name, kind=OrganizationKind.CONSULTANT)
        for name in ("ALPHA", "BETA", "GAMMA", "DELTA", "EPSILON")
    ]
    return SimpleNamespace(
        city=city,
        other_city=other_city,
        firms=firms,
        bidders=[make_user(role=Role.CONTRIBUTOR, organization=firm) for firm in firms],
        secretariat=make_user(role=Role.SECRETARIAT),
        central=make_user(role=Role.CENTRAL_DECISION_MAKER),
        local=make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        admin=make_user(role=Role.ADMIN),
        observer=make_user(role=Role.OBSERVER, city=city),
        observer_other=make_user(role=Role.OBSERVER, city=other_city),
        president=make_user(role=Role.EVALUATOR),
        member=make_user(role=Role.EVALUATOR),
        rapporteur=make_user(role=Role.EVALUATOR),
        witness=make_user(role=Role.EVALUATOR),  # sits as the committee's observer
        outsider=make_user(role=Role.EVALUATOR),  # on no committee
    )


# --- The pages' world -------------------------------------------------------------------------


@pytest.fixture
def world(app, make_city, make_org, make_user):
    city = make_city(name="Marrakech")
    providers = {
        name: make_org(short_name=name, name=f"{name} Conseil", kind=OrganizationKind.CONSULTANT)
        for name in PRICES
    }
    return {
        "city": city,
        "providers": providers,
        "secretariat": make_user(role=Role.SECRETARIAT),
        "president": make_user(role=Role.EVALUATOR, full_name="Rachid Alaoui"),
        "member": make_user(role=Role.EVALUATOR, full_name="Leila Mansouri"),
        "bidders": {
            name: make_user(role=Role.CONTRIBUTOR, organization=org)
            for name, org in providers.items()
        },
        "central": make_user(role=Role.CENTRAL_DECISION_MAKER),
        "admin": make_user(role=Role.ADMIN),
        "observer": make_user(role=Role.OBSERVER),
    }
