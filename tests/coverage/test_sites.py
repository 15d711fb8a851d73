"""Candidate sites: who moves a site and when, its events and audit trail, its coordinates."""

from datetime import date
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent
from portal.services import coverage
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from tests.coverage.helpers import (
    DAY,
    LATER,
    MET,
    S,
    assess,
    assessed_site,
    criteria,
    new_site,
    refused,
    site_fields,
)

WHY = "Quartier sans aucun accès public à Internet"


def move(actor, site, to, *, note="", on_date=None, today=LATER):
    coverage.move(
        actor, site, to, note=note, on_date=on_date, today=today, expected_version=site.version
    )
    db.session.flush()


def figures(actor, site, *, seats=None, weekly_users=None, today=LATER):
    coverage.record_figures(
        actor,
        site,
        seats=seats,
        wifi_capacity=None,
        weekly_users=weekly_users,
        figures_on=None,
        today=today,
        expected_version=site.version,
    )
    db.session.flush()


# --- Status -----------------------------------------------------------------------------------


def test_the_first_assessment_turns_a_proposed_site_into_an_assessed_one(w):
    criteria(w)
    site = new_site(w)
    assert (site.status, site.status_since) == (S.PROPOSED, DAY)
    assess(
        w.assessor,
        site,
        {"Local disponible": MET, "Population": "40", "Accès": "30"},
        today=date(2026, 3, 9),
    )
    assert (site.status, site.status_since) == (S.ASSESSED, date(2026, 3, 9))
    assert [(e.from_status, e.to_status) for e in site.events] == [
        (None, S.PROPOSED),
        (S.PROPOSED, S.ASSESSED),
    ]


def test_selecting_needs_a_justification_and_an_assessed_site_that_passes(w):
    criteria(w)
    proposed = new_site(w, "Jamais évalué")
    refused(TransitionNotAllowed, move, w.local, proposed, S.SELECTED, note=WHY)
    site = assessed_site(w)
    error = refused(InvalidInput, move, w.local, site, S.SELECTED, note="  ")
    assert error.field == "note"
    out = assessed_site(w, "Sans local", local=(False, "Aucun local libre"))
    error = refused(TransitionNotAllowed, move, w.local, out, S.SELECTED, note=WHY)
    assert "Local disponible" in error.message
    assert (site.status, out.status) == (S.ASSESSED, S.ASSESSED)
    move(w.local, site, S.SELECTED, note=WHY)
    assert (site.status, site.status_since, site.decision_note) == (S.SELECTED, LATER, WHY)


def test_a_decision_maker_decides_for_their_own_city_only(w):
    criteria(w)
    site = assessed_site(w)
    refused(NotAllowed, move, w.local_other, site, S.SELECTED, note=WHY)
    refused(NotAllowed, move, w.assessor, site, S.REJECTED, note=WHY)
    assert site.status is S.ASSESSED
    move(w.local, site, S.SELECTED, note=WHY)
    # Fitting out is the programme's, not the decision-maker's.
    refused(NotAllowed, move, w.local, site, S.IN_DEPLOYMENT)


def test_a_move_is_dated_no_earlier_than_the_current_status(w):
    criteria(w)
    site = assessed_site(w)  # assessed on DAY
    error = refused(
        InvalidInput, move, w.local, site, S.SELECTED, note=WHY, on_date=date(2026, 3, 1)
    )
    assert (error.field, DAY.isoformat() in error.message) == ("on_date", True)
    refused(InvalidInput, move, w.local, site, S.SELECTED, note=WHY, on_date=date(2026, 4, 16))
    move(w.local, site, S.SELECTED, note=WHY, on_date=DAY)  # the same day is fine
    assert site.status_since == DAY


def test_a_site_opens_once_its_capacity_is_recorded_and_counts_users_once_open(w):
    criteria(w)
    site = assessed_site(w)
    refused(TransitionNotAllowed, move, w.secretariat, site, S.OPEN)  # proposed/assessed -> open
    move(w.local, site, S.SELECTED, note=WHY)
    refused(TransitionNotAllowed, move, w.secretariat, site, S.OPEN)  # not fitted out yet
    move(w.secretariat, site, S.IN_DEPLOYMENT)
    error = refused(TransitionNotAllowed, move, w.secretariat, site, S.OPEN)
    assert "capacité" in error.message
    error = refused(InvalidInput, figures, w.host_contributor, site, seats="12", weekly_users="90")
    assert error.field == "weekly_users"
    figures(w.host_contributor, site, seats="12")
    move(w.secretariat, site, S.OPEN)
    figures(w.host_contributor, site, seats="12", weekly_users="150")
    assert (site.status, site.seats, site.weekly_users) == (S.OPEN, 12, 150)


def test_proposed_sites_cannot_jump_to_open(w):
    site = new_site(w)
    refused(TransitionNotAllowed, move, w.secretariat, site, S.OPEN)
    refused(TransitionNotAllowed, move, w.secretariat, site, S.IN_DEPLOYMENT)
    assert site.status is S.PROPOSED and len(site.events) == 1


def test_a_move_is_recorded_as_an_event_and_in_the_audit_trail(w):
    criteria(w)
    site = assessed_site(w)
    move(w.local, site, S.REJECTED, note="Trop loin des écoles", on_date=date(2026, 4, 1))
    event = site.events[-1]
    assert (event.from_status, event.to_status, event.on_date, event.actor, event.note) == (
        S.ASSESSED,
        S.REJECTED,
        date(2026, 4, 1),
        w.local,
        "Trop loin des écoles",
    )
    audit = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "coverage.site_moved", AuditEvent.object_id == site.id
        )
    ).one()
    assert (audit.actor_id, audit.object_type) == (w.local.id, "coverage_sites")
    assert audit.details == {"from": "assessed", "to": "rejected", "on": "2026-04-01"}


def test_a_rejected_site_can_no_longer_be_edited(w):
    site = new_site(w)
    move(w.local, site, S.REJECTED, note="Bâtiment à démolir", today=DAY)
    refused(
        TransitionNotAllowed,
        coverage.save_site,
        w.secretariat,
        site,
        expected_version=site.version,
        **site_fields(w, name="Autre nom"),
    )
    assert site.name == "Maison de quartier"


# --- Coordinates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", "48.85"),  # Paris
        ("latitude", "20.49"),
        ("latitude", "36.01"),
        ("longitude", "2.35"),  # Paris
        ("longitude", "-0.89"),
        ("longitude", "-17.51"),
        ("latitude", "trente-et-un"),
        ("longitude", ""),
        ("latitude", "NaN"),
    ],
)
def test_coordinates_outside_morocco_or_not_numbers_are_refused(w, field, value):
    assert refused(InvalidInput, coverage.parse_coordinate, value, field).field == field
    refused(
        InvalidInput, coverage.save_site, w.secretariat, None, **site_fields(w, **{field: value})
    )


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("latitude", "31,6295", D("31.6295")),
        ("latitude", "31.6295125", D("31.629513")),  # beyond 6 decimals: rounded half up
        ("longitude", "-7.98110049", D("-7.981100")),
        ("latitude", "20.5", D("20.5")),
        ("longitude", "-0.9", D("-0.9")),
    ],
)
def test_coordinates_accept_comma_decimals_and_are_rounded_to_six_places(w, field, value, stored):
    assert coverage.parse_coordinate(value, field) == stored
    site = new_site(w, **{field: value})
    db.session.expire_all()
    assert getattr(site, field) == stored
