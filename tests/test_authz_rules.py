"""The permission helpers: city scope, organisation ownership, inactive accounts."""

import pytest

from portal import authz
from portal.authz import Permission
from portal.models import Role


@pytest.fixture
def scoped_table(monkeypatch):
    # The foundation grants city- and organisation-bound roles nothing yet; give them a
    # permission so that the scoping rules themselves can be checked.
    table = dict(authz.ROLE_PERMISSIONS)
    table[Role.LOCAL_DECISION_MAKER] = frozenset({Permission.AUDIT_VIEW})
    table[Role.CONTRIBUTOR] = frozenset({Permission.AUDIT_VIEW})
    table[Role.OBSERVER] = frozenset({Permission.AUDIT_VIEW})
    monkeypatch.setattr(authz, "ROLE_PERMISSIONS", table)


def test_local_decision_maker_acts_only_in_their_city(ctx, scoped_table, make_user, make_city):
    marrakech, fes = make_city(), make_city()
    user = make_user(role=Role.LOCAL_DECISION_MAKER, city=marrakech)
    assert authz.can(user, Permission.AUDIT_VIEW)
    assert authz.can(user, Permission.AUDIT_VIEW, city_id=marrakech.id)
    assert not authz.can(user, Permission.AUDIT_VIEW, city_id=fes.id)
    scope = authz.city_scope(user, Permission.AUDIT_VIEW)
    assert scope.allows(marrakech.id) and not scope.allows(fes.id) and not scope.all_cities


def test_programme_wide_roles_act_in_every_city(ctx, make_user, make_city):
    city = make_city()
    admin = make_user(role=Role.ADMIN)
    assert authz.can(admin, Permission.USERS_MANAGE, city_id=city.id)
    assert authz.city_scope(admin, Permission.USERS_MANAGE).all_cities


def test_contributor_acts_only_for_their_organisation(ctx, scoped_table, make_user, make_org):
    own, other = make_org(), make_org()
    user = make_user(role=Role.CONTRIBUTOR, organization=own)
    assert authz.can(user, Permission.AUDIT_VIEW, organization_id=own.id)
    assert not authz.can(user, Permission.AUDIT_VIEW, organization_id=other.id)


def test_a_role_without_the_permission_is_refused_everywhere(ctx, make_user, make_city):
    city = make_city()
    observer = make_user(role=Role.OBSERVER)
    assert not authz.can(observer, Permission.USERS_MANAGE)
    assert not authz.can(observer, Permission.USERS_MANAGE, city_id=city.id)
    scope = authz.city_scope(observer, Permission.USERS_MANAGE)
    assert not scope.all_cities and not scope.allows(city.id)


def test_several_assignments_add_up(ctx, scoped_table, make_user, make_city):
    a, b, c = make_city(), make_city(), make_city()
    user = make_user(
        roles=[(Role.LOCAL_DECISION_MAKER, a), (Role.OBSERVER, b)],
    )
    scope = authz.city_scope(user, Permission.AUDIT_VIEW)
    assert scope.allows(a.id) and scope.allows(b.id) and not scope.allows(c.id)


def test_an_inactive_account_holds_no_permission(ctx, make_user):
    admin = make_user(role=Role.ADMIN, active=False)
    assert not authz.can(admin, Permission.USERS_MANAGE)


def test_passwords_are_hashed_with_argon2id(ctx, make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")


def test_a_city_scoped_role_never_acts_on_a_national_object(
    ctx, scoped_table, make_user, make_city
):
    user = make_user(role=Role.LOCAL_DECISION_MAKER, city=make_city())
    assert not authz.can(user, Permission.AUDIT_VIEW, city_id=None)
    central = make_user(role=Role.ADMIN)
    assert authz.can(central, Permission.AUDIT_VIEW, city_id=None)
