"""Administration of accounts and the audit trail, through the pages an administrator uses."""

import re
from html import unescape

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Role, RoleAssignment, User
from tests.conftest import PASSWORD, login


def _load(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        grants = sorted((a.role.value, a.city_id) for a in user.role_assignments)
        db.session.expunge(user)
        return user, grants


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _events(app, action):
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def _admin(make_user, login_as):
    admin = make_user(role=Role.ADMIN)
    login_as(admin)
    return admin


def test_an_administrator_never_grants_itself_or_another_administrator_the_money(
    app, client, make_user, make_city, login_as
):
    """The administrator role never reads the agreements: nobody changes their own roles,
    and no account holds the administrator role beside one that reads money; each refused
    attempt stays in the audit trail, and nothing else changes."""
    admin = _admin(make_user, login_as)
    other_admin = make_user(role=Role.ADMIN)
    city = make_city()
    separation = "ne se cumule pas avec un rôle qui lit les conventions"
    attempts = [
        (admin, ["admin", "central_decision_maker"], "Vous ne changez pas vos propres rôles"),
        (admin, ["admin", "observer"], "Vous ne changez pas vos propres rôles"),
        (other_admin, ["admin", "secretariat"], separation),
        (other_admin, ["admin", f"local_decision_maker:{city.id}"], separation),
    ]
    for target, roles, message in attempts:
        response = client.post(f"/admin/users/{target.id}", data=_edit_data(target, roles))
        assert response.status_code == 422
        page = unescape(response.get_data(as_text=True))
        # The message sits on the roles field, and the boxes ticked come back.
        assert re.search(r'id="roles-errors"[^>]*>[^<]*' + re.escape(message), page), roles
        assert _load(app, target.id)[1] == [("admin", None)]
    response = client.post(
        "/admin/users/new",
        data={
            "email": "double@example.org",
            "full_name": "Double Casquette",
            "organization_id": admin.organization_id,
            "preferred_language": "fr",
            "roles": ["admin", "central_decision_maker"],
            "password": "initial-password-42",
            "confirm": "initial-password-42",
        },
    )
    assert response.status_code == 422
    assert separation in unescape(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "double@example.org")) is None
    refused = _events(app, "user.roles_refused")
    assert len(refused) == len(attempts) + 1
    assert all(event.actor_id == admin.id for event in refused)
    assert {"role": "central_decision_maker", "city_id": None} in refused[-1].details["roles"]
    # Without the administrator role, the same grant goes through.
    target = make_user(role=Role.OBSERVER)
    response = client.post(
        f"/admin/users/{target.id}", data=_edit_data(target, ["central_decision_maker"])
    )
    assert response.status_code == 302
    assert _load(app, target.id)[1] == [("central_decision_maker", None)]


def test_admin_creates_an_account_that_can_sign_in(
    app, client, make_user, make_org, make_city, login_as
):
    admin = _admin(make_user, login_as)
    city = make_city(name="Fès")
    org = make_org(city=city, short_name="RADEEF")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "New.Person@Example.org",
            "full_name": "Nouvelle Personne",
            "organization_id": org.id,
            "preferred_language": "fr",
            "roles": [f"local_decision_maker:{city.id}", "evaluator"],
            "password": "initial-password-42",
            "confirm": "initial-password-42",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
        assert user.organization_id == org.id
        assert {(a.role, a.city_id) for a in user.role_assignments} == {
            (Role.LOCAL_DECISION_MAKER, city.id),
            (Role.EVALUATOR, None),
        }
    event = _events(app, "user.created")[0]
    assert event.actor_id == admin.id
    assert event.details["email"] == "new.person@example.org"
    assert (
        login(app.test_client(), "new.person@example.org", "initial-password-42").status_code == 302
    )


def test_account_creation_refuses_bad_input_and_stores_nothing(
    app, client, make_user, make_org, make_city, login_as
):
    _admin(make_user, login_as)
    org = make_org()
    city = make_city()
    existing = make_user(email="taken@example.org")
    base = {
        "email": "someone@example.org",
        "full_name": "Quelqu'un",
        "organization_id": org.id,
        "preferred_language": "fr",
        "roles": ["contributor"],
        "password": "initial-password-42",
        "confirm": "initial-password-42",
    }
    cases = [
        ({"email": existing.email}, "Un compte existe déjà avec cette adresse e-mail."),
        ({"email": "not-an-address"}, "Adresse e-mail invalide."),
        ({"password": "short", "confirm": "short"}, "au moins 12 caractères"),
        ({"confirm": "something-else-42"}, "Les deux mots de passe ne correspondent pas."),
        ({"password": "", "confirm": ""}, "Choisissez un mot de passe initial."),
        # Roles are offered only as valid combinations; anything else is not a choice.
        ({"roles": ["local_decision_maker"]}, "n&#39;est pas un choix valide"),
        ({"roles": [f"central_decision_maker:{city.id}"]}, "n&#39;est pas un choix valide"),
        ({"roles": ["no_such_role"]}, "n&#39;est pas un choix valide"),
        ({"organization_id": 999999}, "N&#39;est pas un choix valide."),
    ]
    users_before = _count(app, User)
    for change, message in cases:
        response = client.post("/admin/users/new", data={**base, **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    assert _count(app, User) == users_before
    assert _events(app, "user.created") == []


def _edit_data(user, grants, **change):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "organization_id": user.organization_id,
        "preferred_language": user.preferred_language,
        "roles": grants,
        "password": "",
        "confirm": "",
        "version": user.version,
    }
    data.update(change)
    return data


def test_admin_changes_roles_and_the_change_is_audited(app, client, make_user, make_city, login_as):
    _admin(make_user, login_as)
    city = make_city()
    target = make_user(role=Role.OBSERVER)
    response = client.post(
        f"/admin/users/{target.id}",
        data=_edit_data(target, ["secretariat", f"local_decision_maker:{city.id}"]),
    )
    assert response.status_code == 302
    updated, grants = _load(app, target.id)
    assert grants == sorted([("secretariat", None), ("local_decision_maker", city.id)])
    assert updated.version == target.version + 1
    event = _events(app, "user.roles_changed")[0]
    assert event.details["before"] == [{"role": "observer", "city_id": None}]
    assert {"role": "secretariat", "city_id": None} in event.details["after"]


def test_a_stale_edit_is_refused_and_changes_nothing(app, client, make_user, login_as):
    _admin(make_user, login_as)
    target = make_user(role=Role.OBSERVER, full_name="Ancien Nom")
    first = client.post(
        f"/admin/users/{target.id}", data=_edit_data(target, ["observer"], full_name="Premier")
    )
    assert first.status_code == 302
    # A second administrator still has the form loaded before the first save.
    second = client.post(
        f"/admin/users/{target.id}", data=_edit_data(target, ["admin"], full_name="Second")
    )
    assert second.status_code == 409
    assert "modifié par quelqu'un d'autre" in unescape(second.get_data(as_text=True))
    updated, grants = _load(app, target.id)
    assert updated.full_name == "Premier"
    assert grants == [("observer", None)]


def test_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(
    app, client, make_user, login_as
):
    admin = _admin(make_user, login_as)
    response = client.post(f"/admin/users/{admin.id}", data=_edit_data(admin, ["observer"]))
    assert response.status_code == 422
    assert "Vous ne changez pas vos propres rôles" in unescape(response.get_data(as_text=True))
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in response.get_data(as_text=True)
    updated, grants = _load(app, admin.id)
    assert updated.active
    assert grants == [("admin", None)]


def test_password_reset_by_admin_ends_the_sessions_and_lifts_a_lock(
    app, client, make_user, login_as
):
    _admin(make_user, login_as)
    target = make_user(role=Role.CONTRIBUTOR)
    target_client = app.test_client()
    assert login(target_client, target).status_code == 302
    response = client.post(
        f"/admin/users/{target.id}",
        data=_edit_data(
            target, ["contributor"], password="reset-password-99", confirm="reset-password-99"
        ),
    )
    assert response.status_code == 302
    assert target_client.get("/").status_code == 302
    assert login(app.test_client(), target, "reset-password-99").status_code == 302
    assert len(_events(app, "user.password_reset")) == 1


def test_deactivation_ends_open_sessions_on_the_next_request(app, client, make_user, login_as):
    _admin(make_user, login_as)
    target = make_user(role=Role.CONTRIBUTOR)
    target_client = app.test_client()
    login(target_client, target)
    assert target_client.get("/").status_code == 200
    response = client.post(f"/admin/users/{target.id}/deactivate", follow_redirects=True)
    assert "ses sessions ouvertes sont fermées" in response.get_data(as_text=True)
    assert target_client.get("/").status_code == 302
    assert login(app.test_client(), target).status_code == 401
    assert len(_events(app, "user.deactivated")) == 1

    client.post(f"/admin/users/{target.id}/activate")
    assert login(app.test_client(), target).status_code == 302
    assert len(_events(app, "user.activated")) == 1


def test_user_list_filters_and_paginates(app, client, make_user, make_city, login_as):
    _admin(make_user, login_as)
    city = make_city(name="Agadir")
    make_user(role=Role.LOCAL_DECISION_MAKER, city=city, full_name="Zineb Local")
    make_user(role=Role.EVALUATOR, full_name="Karim Évaluateur", active=False)
    for i in range(30):
        make_user(role=Role.OBSERVER, full_name=f"Observateur {i:02d}")

    html = client.get(f"/admin/users?city={city.id}").get_data(as_text=True)
    assert "Zineb Local" in html and "Observateur 00" not in html
    assert "1 compte" in html

    html = client.get("/admin/users?status=inactive").get_data(as_text=True)
    assert "Karim Évaluateur" in html and "Zineb Local" not in html

    html = client.get("/admin/users?q=zineb").get_data(as_text=True)
    assert "Zineb Local" in html and "Karim" not in html

    first = client.get("/admin/users?role=observer").get_data(as_text=True)
    assert "30 comptes" in first
    assert "Page 1 sur 2" in first
    second = client.get("/admin/users?role=observer&page=2").get_data(as_text=True)
    assert "Observateur 29" in second and "Observateur 00" not in second


def test_user_list_answers_htmx_with_the_table_fragment_only(client, make_user, login_as):
    _admin(make_user, login_as)
    full = client.get("/admin/users")
    fragment = client.get("/admin/users", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "<table" in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_unknown_user_is_a_404(client, make_user, login_as):
    _admin(make_user, login_as)
    assert client.get("/admin/users/999999").status_code == 404


def test_audit_log_lists_and_filters_events(app, client, make_user, login_as):
    admin = _admin(make_user, login_as)
    target = make_user(email="target@example.org")
    login(app.test_client(), target, "wrong-password-123")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert 'data-action="login.success"' in html and 'data-action="login.failure"' in html
    # Actions and objects read in words.
    assert "Connexion refusée (mot de passe)" in html and f"Compte n° {target.id}" in html

    html = client.get("/admin/audit?action=login.failure").get_data(as_text=True)
    assert "target@example.org" in html and 'data-action="login.success"' not in html

    html = client.get(f"/admin/audit?actor={admin.email}").get_data(as_text=True)
    assert 'data-action="login.success"' in html and 'data-action="login.failure"' not in html

    html = client.get("/admin/audit?date_from=not-a-date").get_data(as_text=True)
    assert "Aucun événement" in html


def test_audit_events_are_append_only(app, make_user):
    import pytest

    from portal.models.audit import AuditIsAppendOnly
    from portal.services import audit

    user = make_user()
    with app.app_context():
        event = audit.record(None, "test.event", details={"a": 1})
        db.session.commit()
        event.action = "tampered"
        with pytest.raises(AuditIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(AuditIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(AuditEvent, event.id).action == "test.event"
    assert user.id


def test_saving_an_unchanged_form_keeps_password_and_roles(app, client, make_user, login_as):
    _admin(make_user, login_as)
    target = make_user(role=Role.OBSERVER)
    response = client.post(f"/admin/users/{target.id}", data=_edit_data(target, ["observer"]))
    assert response.status_code == 302
    assert login(app.test_client(), target, PASSWORD).status_code == 302
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RoleAssignment)
            .where(RoleAssignment.user_id == target.id)
        )
    assert count == 1


def test_audit_details_read_in_words(app):
    from portal.audit_labels import action_label, detail_lines, object_label

    with app.test_request_context():
        assert action_label("milestone.approve_local") == "Jalon approuvé (niveau local)"
        assert action_label("something.new") == "something.new"  # a code still shows
        assert object_label("milestones", 42) == "Jalon n° 42"
        moved = detail_lines(
            {"from": "submitted", "to": "approved_locally"}, "milestone.approve_local"
        )
        assert moved == [("Changement", "Soumis → Approuvé localement")]
        paid = detail_lines({"amount": "833333.33", "day": "2026-10-15", "late": False})
        assert [label for label, _ in paid] == ["Montant", "Date", "Hors délai"]
        assert paid[0][1].replace("\u202f", " ") == "833 333,33"
        assert paid[1:] == [("Date", "15 oct. 2026"), ("Hors délai", "non")]
        # A changed field reads as before → after; a code, in words.
        assert detail_lines(
            {"kind": {"before": "commune", "after": "utility"}}, "organization.updated"
        ) == [("Type", "Commune → Régie de distribution")]
        assert detail_lines(
            {"changes": {"cost_kind": ["capital", "operating"]}}, "finance.asset_updated"
        ) == [("Nature du coût", "Investissement → Exploitation")]
        assert detail_lines(
            {"criteria": [["Local raccordé", "!"], ["Population desservie", "30"]]},
            "coverage.criteria_set",
        ) == [("Critères", "Local raccordé (éliminatoire) ; Population desservie (30)")]


AUDITED_MODELS_SKIP = {"id", "version", "created_at", "updated_at", "status", "password_hash"}


def test_every_detail_the_services_record_has_a_label():
    """The audit trail shows each detail under a label: every key a service writes in an
    audit record (literal ones, and the columns of what is edited field by field)."""
    import ast
    from pathlib import Path

    from portal.audit_labels import DETAIL_LABELS
    from portal.models import Action, City, Milestone, Organization, Plan
    from portal.models.coverage import Site
    from portal.models.finance import Agreement, SharedAsset
    from portal.models.reminders import ReminderRule

    keys = set()
    for path in Path("portal/services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "record":
                for keyword in node.keywords:
                    if keyword.arg == "details" and isinstance(keyword.value, ast.Dict):
                        keys |= {k.value for k in keyword.value.keys if isinstance(k, ast.Constant)}
    assert {"from", "to", "before", "after", "changes"} <= keys  # the scan found the records
    keys -= {"from", "to", "before", "after", "changes"}
    for model in (Milestone, Plan, Action, Organization, City, Agreement, SharedAsset, Site):
        keys |= {c.name for c in model.__table__.columns} - AUDITED_MODELS_SKIP
    keys |= {c.name for c in ReminderRule.__table__.columns} - AUDITED_MODELS_SKIP - {"kind"}
    keys |= {"email", "full_name", "organization_id", "preferred_language", "predecessors"}
    assert sorted(keys - set(DETAIL_LABELS)) == []


def test_the_demos_audit_trail_reads_in_words(app, client, demo_data, make_user, login_as):
    """Every detail of the demo's trail, page after page: labels and values in words, no
    code and no raw JSON."""
    _admin(make_user, login_as)
    lines, page = [], 1
    while True:
        html = client.get(f"/admin/audit?page={page}").get_data(as_text=True)
        found = re.findall(r'<li><span class="muted">([^<]*) :</span> ([^<]*)</li>', html)
        if not found:
            break
        lines += [(label, unescape(text).strip()) for label, text in found]
        page += 1
    assert len(lines) > 300
    assert [label for label, _ in lines if re.fullmatch(r"[a-z0-9_]+", label)] == []
    assert [text for _, text in lines if text[:1] in "[{"] == []
    assert ("Type", "Espace public numérique") in lines
    assert ("Ville", "Marrakech") in lines
    assert any(
        label == "Membres" and re.fullmatch(r"(n° \d+ \((Président|Membre)\)(, )?)+", text)
        for label, text in lines
    )


def test_the_outbox_shows_the_administrator_no_agreement(
    app, client, demo_data, make_user, login_as
):
    """Reminders and events about agreements are listed to the administrator (to deliver
    them), without the agreement's title: the ledger is for its parties, the deciders and
    the secretariat."""
    from portal.models import OutboxMessage
    from portal.models.finance import Agreement

    with app.app_context():
        titles = set(db.session.scalars(sa.select(Agreement.title)))
        about_money = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.item_type.in_(["agreement", "installment"]))
        )
    assert titles and about_money
    _admin(make_user, login_as)
    shown, hidden, page = "", 0, 1
    while True:
        html = unescape(client.get(f"/admin/outbox?page={page}").get_data(as_text=True))
        if "<tbody></tbody>" in html or page > 50:
            break
        shown += html
        hidden += html.count("Convention réservée aux parties, au ministère et au secrétariat")
        if f"page={page + 1}" not in html:
            break
        page += 1
    assert hidden == about_money
    assert [title for title in titles if title in shown] == []
