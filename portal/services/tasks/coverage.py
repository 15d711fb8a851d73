"""Tasks of the digital coverage: sites to assess, to select or reject, measurements due."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.authz import Permission
from portal.models.coverage import (
    ASSESSABLE,
    Assessment,
    CriteriaSet,
    Indicator,
    IndicatorTarget,
    Site,
    SiteCriterion,
    SiteStatus,
)
from portal.services.tasks.base import At, Kind, Person, shape


def _site_url(task, cities) -> str:
    return url_for("coverage.site", site_id=task.link_id)


def _assessable(at: At):
    criterion = aliased(SiteCriterion)
    published = (
        sa.select(criterion.id)
        .join(CriteriaSet, criterion.criteria_set_id == CriteriaSet.id)
        .where(CriteriaSet.city_id == Site.city_id, CriteriaSet.kind == Site.kind)
    )
    return shape(
        sa.select(Site).where(Site.status.in_(ASSESSABLE), sa.exists(published)),
        item_id=Site.id,
        title=Site.name,
        city_id=Site.city_id,
        state=Site.status,
        since_on=Site.status_since,
    )


def _assessor(person: Person):
    # Each assessor scores on their own: the task is theirs until their assessment is in.
    own = aliased(Assessment)
    return sa.and_(
        person.holds(Permission.COVERAGE_ASSESS, city_id=Site.city_id),
        ~sa.exists().where(own.site_id == Site.id, own.assessor_id == person.id),
    )


def _to_decide(at: At):
    return shape(
        sa.select(Site).where(Site.status == SiteStatus.ASSESSED),
        item_id=Site.id,
        title=Site.name,
        city_id=Site.city_id,
        state=Site.status,
        since_on=Site.status_since,
    )


def measured_on():
    """The date of a target's latest value: its latest measurement, or its baseline."""
    return sa.func.coalesce(IndicatorTarget.current_date, IndicatorTarget.baseline_date)


def _measurements_due(at: At):
    every = timedelta(days=current_app.config["MEASUREMENT_INTERVAL_DAYS"])
    latest = measured_on()
    return shape(
        sa.select(IndicatorTarget)
        .join(Indicator, IndicatorTarget.indicator_id == Indicator.id)
        .where(latest <= at.today - every, latest < IndicatorTarget.target_date),
        item_id=IndicatorTarget.id,
        title=sa.case(
            (IndicatorTarget.district == "", Indicator.name),
            else_=Indicator.name + " — " + IndicatorTarget.district,
        ),
        city_id=IndicatorTarget.city_id,
        state=sa.literal("due"),
        link_id=IndicatorTarget.city_id,
        since_on=latest,
    )


KINDS = (
    Kind(
        name="site_assess",
        page="site",
        label=_l("Sites à évaluer"),
        verb=_l("Évaluer le site"),
        waiting=_l("En attente de l'évaluation des évaluateurs"),
        permission=Permission.COVERAGE_ASSESS,
        source=_assessable,
        holder=_assessor,
        holder_pending=True,
        url=lambda task, cities: url_for("coverage.assess", site_id=task.link_id),
    ),
    Kind(
        name="site_decide",
        page="site",
        label=_l("Sites à retenir ou écarter"),
        verb=_l("Retenir ou écarter"),
        waiting=_l("Évalué : en attente de la décision (retenu ou écarté)"),
        permission=Permission.COVERAGE_DECIDE,
        source=_to_decide,
        holder=lambda person: person.holds(Permission.COVERAGE_DECIDE, city_id=Site.city_id),
        url=_site_url,
    ),
    Kind(
        name="measurement_due",
        page="coverage_city",
        label=_l("Mesures d'indicateurs à relever"),
        verb=_l("Saisir une nouvelle mesure"),
        waiting=_l("Nouvelle mesure attendue"),
        permission=Permission.COVERAGE_MANAGE,
        source=_measurements_due,
        holder=lambda person: person.holds(
            Permission.COVERAGE_MANAGE,
            city_id=IndicatorTarget.city_id,
        ),
        url=lambda task, cities: (
            url_for("coverage.city", slug=cities[task.link_id].slug) + f"#target-{task.item_id}"
        ),
        due_after=lambda rules: current_app.config["MEASUREMENT_INTERVAL_DAYS"],
    ),
)
