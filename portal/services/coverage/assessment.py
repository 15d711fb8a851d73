"""Criteria sets per city and kind, the assessors' assessments of sites, the ranking of
a city's sites from them, and the sites' export rows."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from portal.authz import Permission
from portal.extensions import db
from portal.models.coverage import (
    ASSESSABLE,
    Assessment,
    AssessmentAnswer,
    CriteriaSet,
    Site,
    SiteCriterion,
    SiteEvent,
    SiteKind,
    SiteStatus,
)
from portal.models.organizations import City
from portal.models.tenders import CriterionKind
from portal.models.users import User
from portal.names import local
from portal.services import audit, criteria_labels, notifications, selection
from portal.services.coverage.access import _require, own_assessment
from portal.services.coverage.base import KIND_LABELS, STALE, STATUS_LABELS
from portal.services.coverage.indicators import plain_number
from portal.services.errors import (
    InvalidInput,
    TransitionNotAllowed,
    ensure_current,
)


def criteria_set(city_id: int, kind: SiteKind) -> CriteriaSet | None:
    return db.session.scalar(
        sa.select(CriteriaSet)
        .where(CriteriaSet.city_id == city_id, CriteriaSet.kind == kind)
        .options(selectinload(CriteriaSet.criteria))
    )


def criteria_text(criteria_set: CriteriaSet | None) -> str:
    if criteria_set is None:
        return ""
    return selection.grid_text(
        (c.label, c.eliminatory, c.weight and c.weight.normalize(), 0)
        for c in criteria_set.criteria
    )


def criteria_locked(city_id: int, kind: SiteKind) -> bool:
    """Once a site has been assessed, the published criteria no longer change."""
    return (
        db.session.scalar(
            sa.select(Assessment.id)
            .join(Site)
            .where(Site.city_id == city_id, Site.kind == kind)
            .limit(1)
        )
        is not None
    )


def save_criteria(
    actor: User, city: City, kind: SiteKind, text: str, *, expected_version=None
) -> CriteriaSet:
    _require(actor, Permission.COVERAGE_MANAGE, city.id)
    existing = criteria_set(city.id, kind)
    if existing is not None:
        ensure_current(existing, expected_version, STALE)
    if criteria_locked(city.id, kind):
        raise TransitionNotAllowed(
            _l("Des sites sont déjà évalués sur ces critères : ils ne changent plus.")
        )
    rows = selection.check_grid(
        selection.parse_grid(text),
        label_limit=SiteCriterion.label.type.length,
        scored_name=_l("critère pondéré"),
        allow_children=False,
    )
    kept = criteria_labels.kept(existing.criteria if existing else [])
    if existing is None:
        existing = CriteriaSet(city_id=city.id, kind=kind)
        db.session.add(existing)
    else:
        existing.criteria.clear()
        flag_modified(existing, "kind")  # a new version: a concurrent edit becomes stale
        db.session.flush()
    for position, row in enumerate(rows):
        existing.criteria.append(
            SiteCriterion(
                kind=CriterionKind.ELIMINATORY if row.eliminatory else CriterionKind.TECHNICAL,
                **criteria_labels.labelled(kept, row.label),
                weight=row.points,
                position=position,
            )
        )
    audit.record(
        actor,
        "coverage.criteria_set",
        obj=existing,
        details={
            "city": city.slug,
            "kind": kind.value,
            "criteria": [[r.label, str(r.points) if r.points else "!"] for r in rows],
        },
    )
    return existing


def label_criteria(
    actor: User,
    criteria_set: CriteriaSet,
    labels: dict[int, tuple[str, str]],
    *,
    expected_version=None,
) -> None:
    """The criteria's English and Arabic labels; a translation changes no score, so it may
    come after sites have been assessed."""
    _require(actor, Permission.COVERAGE_MANAGE, criteria_set.city_id)
    ensure_current(criteria_set, expected_version, STALE)
    changes = criteria_labels.label(criteria_set.criteria, labels)
    if changes:
        flag_modified(criteria_set, "kind")  # a new version: a concurrent edit becomes stale
        audit.record(
            actor,
            "coverage.criteria_labelled",
            obj=criteria_set,
            details={"kind": criteria_set.kind.value, "labels": changes},
        )


@dataclass(frozen=True)
class AnswerInput:
    points: object = None
    passed: bool | None = None
    reason: str = ""


def save_assessment(
    actor: User,
    site: Site,
    answers: dict[int, AnswerInput],
    *,
    comment: str = "",
    today: date,
    expected_version=None,
    now: datetime | None = None,
) -> Assessment:
    """An assessor's answers on every criterion of the site's set; saved again, they replace
    the previous ones until the site is decided."""
    _require(actor, Permission.COVERAGE_ASSESS, site.city_id)
    if site.status not in ASSESSABLE:
        raise TransitionNotAllowed(_l("Ce site est décidé : son évaluation est close."))
    grid = criteria_set(site.city_id, site.kind)
    if grid is None or not grid.criteria:
        raise TransitionNotAllowed(
            _l("La ville n'a pas encore publié ses critères pour ce type de site.")
        )
    assessment = own_assessment(actor, site)
    if assessment is not None:
        ensure_current(assessment, expected_version, STALE)
    rows = []
    for criterion in grid.criteria:
        answer = answers.get(criterion.id) or AnswerInput()
        field = f"criterion-{criterion.id}"
        if criterion.eliminatory:
            if answer.passed is None:
                raise InvalidInput(
                    _l("« %(label)s » : rempli ou non ?", label=local(criterion, "label")),
                    field=field,
                )
            reason = (answer.reason or "").strip()
            if answer.passed is False and not reason:
                raise InvalidInput(
                    _l(
                        "« %(label)s » : dites pourquoi il n'est pas rempli.",
                        label=local(criterion, "label"),
                    ),
                    field=field,
                )
            rows.append(
                AssessmentAnswer(criterion_id=criterion.id, passed=answer.passed, reason=reason)
            )
            continue
        text = str(answer.points if answer.points is not None else "").strip().replace(",", ".")
        try:
            points = Decimal(text) if text else None
        except InvalidOperation:
            points = None
        if (
            points is None
            or not points.is_finite()
            or not 0 <= points <= criterion.weight
            or points != points.quantize(Decimal("0.01"))
        ):
            raise InvalidInput(
                _l(
                    "« %(label)s » : une note entre 0 et %(max)s, deux décimales au plus.",
                    label=criterion.label,
                    max=plain_number(criterion.weight),
                ),
                field=field,
            )
        rows.append(AssessmentAnswer(criterion_id=criterion.id, points=points, reason=""))
    created = assessment is None
    if created:
        assessment = Assessment(site=site, assessor=actor)
        db.session.add(assessment)
    else:
        assessment.answers.clear()
        db.session.flush()
    assessment.comment = (comment or "").strip()
    assessment.answers.extend(rows)
    if not created:
        flag_modified(assessment, "comment")  # a new version: two tabs at once, one is stale
    db.session.flush()
    result = site_result(site)
    site.score = result.total
    site.eliminated = result.status == selection.ELIMINATED
    newly_assessed = site.status is SiteStatus.PROPOSED
    if newly_assessed:
        site.status = SiteStatus.ASSESSED
        site.status_since = today
        site.events.append(
            SiteEvent(
                from_status=SiteStatus.PROPOSED,
                to_status=SiteStatus.ASSESSED,
                on_date=today,
                actor=actor,
            )
        )
    audit.record(
        actor,
        "coverage.site_assessed",
        obj=site,
        # The points are on the ranking; the trail says who assessed and when.
        details={"assessment": "created" if created else "updated"},
    )
    if newly_assessed:
        notifications.site_assessed(actor, site, now=now)
    return assessment


def site_assessments(site: Site) -> list[Assessment]:
    """Each assessor's answers, for the people who run, score or decide the selection."""
    return db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.site_id == site.id)
        .options(joinedload(Assessment.assessor), selectinload(Assessment.answers))
        .order_by(Assessment.id)
    ).all()


@dataclass
class Ranking:
    city: City
    kind: SiteKind
    criteria_set: CriteriaSet | None
    rows: list[tuple[Site, selection.CandidateResult]]

    @property
    def criteria(self) -> list[SiteCriterion]:
        return list(self.criteria_set.criteria) if self.criteria_set else []

    @property
    def scored(self) -> list[SiteCriterion]:
        return [c for c in self.criteria if not c.eliminatory]


def _grid(criteria_set: CriteriaSet | None) -> list[selection.GridCriterion]:
    if criteria_set is None:
        return []
    return [
        selection.GridCriterion(c.id, local(c, "label"), c.eliminatory, c.weight)
        for c in criteria_set.criteria
    ]


def _sheets(*where) -> dict[int, list[list[selection.Answer]]]:
    """Each site's answer sheets, one per assessor, read in one query whatever their number."""
    rows = db.session.execute(
        sa.select(
            Assessment.site_id,
            Assessment.id,
            AssessmentAnswer.criterion_id,
            AssessmentAnswer.points,
            AssessmentAnswer.passed,
            AssessmentAnswer.reason,
        )
        .join(AssessmentAnswer, AssessmentAnswer.assessment_id == Assessment.id)
        .join(Site, Site.id == Assessment.site_id)
        .where(*where)
        .order_by(Assessment.id, AssessmentAnswer.id)
    ).all()
    by_assessment: dict[int, list[selection.Answer]] = {}
    sheets: dict[int, list[list[selection.Answer]]] = defaultdict(list)
    for site_id, assessment_id, criterion_id, points, passed, reason in rows:
        if assessment_id not in by_assessment:
            by_assessment[assessment_id] = []
            sheets[site_id].append(by_assessment[assessment_id])
        by_assessment[assessment_id].append(selection.Answer(criterion_id, points, passed, reason))
    return sheets


def ranking(city: City, kind: SiteKind) -> Ranking:
    """Every site of the city and kind, ranked on the assessors' mean points per criterion."""
    grid_set = criteria_set(city.id, kind)
    sites = db.session.scalars(
        sa.select(Site)
        .where(Site.city_id == city.id, Site.kind == kind)
        .options(joinedload(Site.host_organization))
        .order_by(Site.name, Site.id)
    ).all()
    sheets = _sheets(Site.city_id == city.id, Site.kind == kind)
    results = selection.rank_candidates(
        _grid(grid_set), [(s.id, sheets.get(s.id, [])) for s in sites]
    )
    by_id = {s.id: s for s in sites}
    return Ranking(city, kind, grid_set, [(by_id[r.key], r) for r in results])


def site_result(
    site: Site, grid_set: CriteriaSet | None = None
) -> selection.CandidateResult | None:
    grid_set = grid_set or criteria_set(site.city_id, site.kind)
    if grid_set is None:
        return None
    sheets = _sheets(Site.id == site.id)
    return selection.rank_candidates(_grid(grid_set), [(site.id, sheets.get(site.id, []))])[0]


def site_rows(sites) -> tuple[list[str], list[list[object]]]:
    """The sites list as a table, for its CSV and XLSX exports."""
    headers = [
        _("Site"),
        _("Ville"),
        _("Quartier"),
        _("Type"),
        _("Adresse"),
        _("Latitude"),
        _("Longitude"),
        _("Organisme d'accueil"),
        _("Coût estimé (MAD)"),
        _("Statut"),
        _("Depuis le"),
        _("Postes"),
        _("Connexions Wi-Fi simultanées"),
        _("Usagers par semaine"),
    ]
    rows = [
        [
            s.name,
            s.city.name,
            s.district,
            str(KIND_LABELS[s.kind]),
            s.address,
            s.latitude,
            s.longitude,
            s.host_organization.short_name,
            s.estimated_cost,
            str(STATUS_LABELS[s.status]),
            s.status_since,
            s.seats,
            s.wifi_capacity,
            s.weekly_users,
        ]
        for s in sites
    ]
    return headers, rows


def rank_of(site: Site) -> int | None:
    """The site's rank among its city's sites of its kind: one more than the number of
    ranked ones with a higher score (equal scores share a rank, as in the ranking)."""
    if site.score is None or site.eliminated:
        return None
    higher = db.session.scalar(
        sa.select(sa.func.count(Site.id)).where(
            Site.city_id == site.city_id,
            Site.kind == site.kind,
            Site.eliminated.is_(False),
            Site.score > site.score,
        )
    )
    return higher + 1
