"""Tasks of the involvement scenarios: a recommended scenario for the city to endorse, an
endorsed one for the ministry to approve, a returned one for the secretariat to revise."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.authz import Permission
from portal.models.scenarios import Scenario, ScenarioStatus
from portal.services.tasks.base import At, Kind, shape


def _scenario_url(task, cities) -> str:
    return url_for("scenarios.detail", scenario_id=task.link_id)


def _in(status: ScenarioStatus):
    def source(at: At):
        return shape(
            sa.select(Scenario).where(Scenario.status == status),
            item_id=Scenario.id,
            title=Scenario.name,
            city_id=Scenario.city_id,
            state=Scenario.status,
            since_at=Scenario.status_since,
        )

    return source


def _holder(permission: Permission):
    return lambda person: person.holds(permission, city_id=Scenario.city_id)


KINDS = (
    Kind(
        name="scenario_endorse",
        page="scenario",
        label=_l("Scénarios à avaliser (ville)"),
        verb=_l("Avaliser ou renvoyer"),
        waiting=_l("Recommandé : en attente de l'avis de la ville"),
        permission=Permission.SCENARIOS_ENDORSE,
        source=_in(ScenarioStatus.SUBMITTED),
        holder=_holder(Permission.SCENARIOS_ENDORSE),
        url=_scenario_url,
    ),
    Kind(
        name="scenario_approve",
        page="scenario",
        label=_l("Scénarios à approuver (ministère)"),
        verb=_l("Approuver ou renvoyer"),
        waiting=_l("Avalisé par la ville : en attente de la décision du ministère"),
        permission=Permission.SCENARIOS_APPROVE,
        source=_in(ScenarioStatus.ENDORSED),
        holder=_holder(Permission.SCENARIOS_APPROVE),
        url=_scenario_url,
    ),
    Kind(
        name="scenario_revise",
        page="scenario",
        label=_l("Scénarios renvoyés, à reprendre"),
        verb=_l("Reprendre et recommander à nouveau"),
        waiting=_l("Renvoyé : en attente d'une nouvelle recommandation"),
        permission=Permission.SCENARIOS_SUBMIT,
        source=_in(ScenarioStatus.RETURNED),
        holder=_holder(Permission.SCENARIOS_SUBMIT),
        url=_scenario_url,
    ),
)
