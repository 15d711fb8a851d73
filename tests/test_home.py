"""The home page points each person to what concerns them."""

from portal.models import MilestoneStatus, Role


def test_local_decision_maker_sees_how_many_milestones_await_their_decision(
    client, make_user, make_city, make_plan, make_action, make_milestone, login_as
):
    city, other = make_city(), make_city()
    action = make_action(plan=make_plan(city=city))
    for _ in range(2):
        make_milestone(action=action, status=MilestoneStatus.SUBMITTED)
    make_milestone(action=make_action(plan=make_plan(city=other)), status=MilestoneStatus.SUBMITTED)
    login_as(make_user(role=Role.LOCAL_DECISION_MAKER, city=city))
    html = client.get("/").get_data(as_text=True)
    assert "2 jalons attendent votre décision" in html
    assert f'href="/cities/{city.slug}"' in html


def test_people_who_decide_nothing_see_no_decision_count(client, make_user, login_as):
    login_as(make_user(role=Role.CONTRIBUTOR))
    assert "attendent votre décision" not in client.get("/").get_data(as_text=True)


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
