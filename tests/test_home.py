"""The home page points each person to what concerns them."""

import re

from portal.models import MilestoneStatus, Role


def _summary(html: str) -> dict[str, int]:
    """The home page's "À faire" summary: each kind of task with its count."""
    return {
        label: int(count)
        for label, count in re.findall(
            r'<li><a href="/tasks\?kind=[a-z_]+">([^<]+)</a> <span class="badge">(\d+)</span>',
            html,
        )
    }


def test_local_decision_maker_starts_from_the_milestones_waiting_for_them(
    client, make_user, make_city, make_plan, make_action, make_milestone, login_as
):
    city, other = make_city(), make_city()
    action = make_action(plan=make_plan(city=city))
    for _ in range(2):
        make_milestone(action=action, status=MilestoneStatus.SUBMITTED)
    make_milestone(action=make_action(plan=make_plan(city=other)), status=MilestoneStatus.SUBMITTED)
    login_as(make_user(role=Role.LOCAL_DECISION_MAKER, city=city))
    html = client.get("/").get_data(as_text=True)
    assert _summary(html) == {"Jalons à approuver (niveau local)": 2}
    assert "Voir les 2 tâches" in html
    assert 'aria-label="2 tâches en attente">2</span>' in html  # the navigation's count
    assert f'href="/cities/{city.slug}"' in html


def test_people_with_nothing_to_do_are_told_so(client, make_user, login_as):
    login_as(make_user(role=Role.CONTRIBUTOR))
    html = client.get("/").get_data(as_text=True)
    assert _summary(html) == {}
    assert "Rien ne vous attend pour l'instant." in html
    assert 'id="task-count"' not in html


def test_an_observer_has_no_task_list_at_all(client, make_user, login_as):
    login_as(make_user(role=Role.OBSERVER))
    html = client.get("/").get_data(as_text=True)
    assert 'href="/tasks"' not in html
    assert 'id="home-tasks"' not in html


def test_contributor_sees_what_their_organisation_must_deliver(
    client,
    make_user,
    make_org,
    make_city,
    make_plan,
    make_action,
    make_milestone,
    login_as,
    monkeypatch,
):
    from datetime import date

    from portal import clock

    monkeypatch.setattr(clock, "today", lambda: date(2026, 3, 1))

    city = make_city()
    own = make_org(city=city, short_name="RADEEX")
    action = make_action(plan=make_plan(city=city), lead_organization=own)
    make_milestone(action=action, status=MilestoneStatus.IN_PROGRESS, due_date=date(2026, 1, 10))
    make_milestone(action=action, status=MilestoneStatus.PLANNED, due_date=date(2026, 9, 1))
    make_milestone(action=action, status=MilestoneStatus.SUBMITTED, due_date=date(2026, 1, 5))
    make_milestone(action=make_action(plan=make_plan(city=make_city())))
    login_as(make_user(role=Role.CONTRIBUTOR, organization=own))
    html = client.get("/").get_data(as_text=True)
    assert "À livrer par RADEEX" in html
    assert "2 jalons à livrer" in html
    assert "1 en retard" in html
