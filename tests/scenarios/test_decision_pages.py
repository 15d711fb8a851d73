"""A scenario's decision through the pages: recommended, returned with a reason, endorsed by
the city, approved by the ministry; the reference replaced by a later approval."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, OutboxMessage, ScenarioStatus
from tests.conftest import browser, text
from tests.scenarios.helpers import drafted, scenario


def move(app, client, name, current_name=None, **data):
    current = scenario(app, current_name) if current_name else scenario(app)
    return client.post(
        f"/scenarios/{current.id}/move",
        data={"move": name, "version": current.version, **data},
    )


def notified(app, user, kind) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.recipient_id == user.id, OutboxMessage.kind == kind
            )
        )


def test_a_scenario_goes_from_recommendation_to_the_citys_reference(app, world):
    secretariat = browser(app, world["secretariat"])
    local = browser(app, world["local"])
    central = browser(app, world["central"])
    current = drafted(app, secretariat)

    # Deciding comes after the recommendation, and only from whose turn it is.
    assert move(app, local, "endorse").status_code == 422
    assert move(app, local, "submit").status_code == 403
    assert (
        move(app, secretariat, "submit", note="Le moins coûteux pour la commune").status_code == 302
    )
    assert scenario(app).status is ScenarioStatus.SUBMITTED
    assert notified(app, world["local"], "scenario_submitted") == 1
    # It now waits on the city: in its list and on the page.
    assert "Scénarios à avaliser (ville)" in text(local.get("/tasks"))
    page = text(local.get(f"/scenarios/{current.id}"))
    assert (
        "Avaliser pour la ville" in page and "Recommandé : en attente de l'avis de la ville" in page
    )
    # Recommended, it no longer changes.
    response = secretariat.post(
        f"/scenarios/{current.id}/lines/new",
        data={
            "label": "x",
            "kind": "opex",
            "start_year": "0",
            "amount": "1",
            "version": scenario(app).version,
        },
    )
    assert response.status_code == 422 and "plus en rédaction" in text(response)
    # Another city's decision-maker neither sees nor decides it.
    elsewhere = browser(app, world["local_elsewhere"])
    assert move(app, elsewhere, "endorse").status_code == 404

    # Returned: a reason is required, and the secretariat takes it up again.
    response = move(app, local, "return_local")
    assert response.status_code == 422 and 'id="note-errors"' in text(response)
    assert move(app, local, "return_local", note="Chiffrer la maintenance").status_code == 302
    assert scenario(app).status is ScenarioStatus.RETURNED
    assert notified(app, world["secretariat"], "scenario_returned") == 1
    assert "Scénarios renvoyés, à reprendre" in text(secretariat.get("/tasks"))

    assert move(app, secretariat, "submit").status_code == 302
    assert move(app, local, "endorse").status_code == 302
    assert notified(app, world["central"], "scenario_endorsed") == 1
    assert "Scénarios à approuver (ministère)" in text(central.get("/tasks"))
    assert move(app, local, "approve").status_code == 403
    assert move(app, central, "approve").status_code == 302
    assert scenario(app).status is ScenarioStatus.APPROVED
    assert notified(app, world["local"], "scenario_approved") == 1

    page = text(secretariat.get(f"/scenarios/{current.id}"))
    assert "Approuvé : référence de la ville" in page
    assert "Chiffrer la maintenance" in page  # the history keeps the reason
    with app.app_context():
        actions = list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.action.like("scenario.%"), AuditEvent.object_id == current.id)
                .order_by(AuditEvent.id)
            )
        )
    assert actions[-5:] == [
        "scenario.submit",
        "scenario.return_local",
        "scenario.submit",
        "scenario.endorse",
        "scenario.approve",
    ]


def test_one_scenario_in_decision_at_a_time_and_a_new_reference_replaces_the_old(app, world):
    secretariat = browser(app, world["secretariat"])
    local = browser(app, world["local"])
    central = browser(app, world["central"])
    first = drafted(app, secretariat, "Concession de 20 ans")
    drafted(app, secretariat, "SDL avec le distributeur")
    assert move(app, secretariat, "submit", "Concession de 20 ans").status_code == 302
    response = move(app, secretariat, "submit", "SDL avec le distributeur")
    assert response.status_code == 422
    assert "déjà un scénario en décision : « Concession de 20 ans »" in text(response)
    for who, name in ((local, "endorse"), (central, "approve")):
        assert move(app, who, name, "Concession de 20 ans").status_code == 302
    for who, name in ((secretariat, "submit"), (local, "endorse"), (central, "approve")):
        assert move(app, who, name, "SDL avec le distributeur").status_code == 302
    assert scenario(app, "Concession de 20 ans").status is ScenarioStatus.SUPERSEDED
    assert scenario(app, "SDL avec le distributeur").status is ScenarioStatus.APPROVED
    # A stale decision is refused.
    stale = local.post(f"/scenarios/{first.id}/move", data={"move": "endorse", "version": 1})
    assert stale.status_code in (409, 422)
