"""The business-model engine, checked against figures computed by hand, and its command."""

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.services.scenarios import engine
from portal.services.scenarios.engine import Line, Model

D = Decimal


def run(lines, rate="0.10", horizon=4):
    return engine.evaluate(Model(D(rate), horizon, tuple(lines)))


def money(values):
    return [f"{v:.2f}" for v in values]


def test_a_network_paid_back_in_its_fourth_year():
    # The commune builds for 1,000 and earns 300 a year for four years, at 10 %.
    found = run(
        [
            Line("Fourreaux", "capex", D("1000"), party="city"),
            Line("Location", "revenue", D("300"), 1, 4, party="city"),
        ]
    )
    city = found.parties["city"]
    assert money(city.net) == ["-1000.00", "300.00", "300.00", "300.00", "300.00"]
    assert money(city.cumulative) == ["-1000.00", "-700.00", "-400.00", "-100.00", "200.00"]
    # -1000 + 300 x (1/1.1 + 1/1.21 + 1/1.331 + 1/1.4641) = -49.0404
    assert city.npv == D("-49.04")
    # 300 x annuity(4, r) = 1000 at r = 7.7138 %
    assert city.irr == D("0.0771")
    assert city.payback_year == 4
    assert city.discounted_payback_year is None  # the discounted position ends at -49.04
    assert city.peak_funding == D("1000.00")
    assert found.project == city  # one party: the project is that party


def test_two_sign_changes_have_no_single_rate():
    # -100, +230, -132 is worth zero at both 10 % and 20 %: no one IRR to report.
    found = run(
        [
            Line("Travaux", "capex", D("100"), party="city"),
            Line("Recette", "revenue", D("230"), 1, party="city"),
            Line("Démantèlement", "opex", D("132"), 2, party="city"),
        ],
        horizon=2,
    )
    city = found.parties["city"]
    assert money(city.cumulative) == ["-100.00", "130.00", "-2.00"]
    assert city.irr is None
    assert city.payback_year is None  # it ends negative
    assert city.peak_funding == D("100.00")
    assert city.npv == D("0.00")  # at 10 %: -100 + 209.0909 - 109.0909


def test_a_pure_cost_programme():
    found = run([Line("Animation des EPN", "opex", D("250000"), 0, 4, party="city")], rate="0")
    city = found.parties["city"]
    assert city.npv == D("-1250000.00") == city.cumulative[-1]
    assert city.irr is None and city.payback_year is None
    assert city.discounted_payback_year is None
    assert city.peak_funding == D("1250000.00")


def test_growth_is_rounded_half_up_to_the_cent_each_year():
    # 0.10 growing 5 % a year: 0.105 rounds up to 0.11 (half up, not to even), 0.11025 down.
    assert engine.yearly(Line("x", "revenue", D("0.10"), 0, 3, D("0.05"), "a"), 3) == [
        D("0.10"),
        D("0.11"),
        D("0.11"),
        D("0.12"),
    ]
    # Each year from the exact amount, not from last year's rounded one: 100 x 1.025^3.
    assert engine.yearly(Line("x", "opex", D("100"), 0, 3, D("0.025"), "a"), 3)[3] == D("107.69")


def test_a_zero_rate_discounts_nothing():
    found = run(
        [
            Line("Pylônes", "capex", D("500"), party="operator"),
            Line("Abonnements", "revenue", D("120"), 1, 4, party="operator"),
        ],
        rate="0",
    )
    operator = found.parties["operator"]
    assert operator.npv == D("-20.00") == operator.cumulative[-1]
    assert operator.discounted_payback_year == operator.payback_year is None


def test_transfers_move_money_between_parties_and_cancel_in_the_project():
    found = run(
        [
            Line("Génie civil", "capex", D("1000"), party="city"),
            Line(
                "Location des fourreaux",
                "transfer",
                D("400"),
                1,
                4,
                source="operator",
                target="city",
            ),
            Line("Abonnés", "revenue", D("600"), 1, 4, party="operator"),
            Line("Fonds du service universel", "subsidy", D("50"), 0, party="operator"),
        ]
    )
    assert list(found.parties) == ["city", "operator"]
    assert money(found.parties["city"].net) == ["-1000.00", *["400.00"] * 4]
    assert money(found.parties["operator"].net) == ["50.00", *["200.00"] * 4]
    assert money(found.project.net) == ["-950.00", *["600.00"] * 4]
    assert found.parties["operator"].payback_year == 0  # never negative
    assert found.parties["operator"].peak_funding == D("0.00")


def test_lines_past_the_horizon_are_cut():
    found = run([Line("Concession", "revenue", D("10"), 2, 30, party="city")], horizon=4)
    assert money(found.parties["city"].net) == ["0.00", "0.00", "10.00", "10.00", "10.00"]


amounts = st.decimals(min_value=0, max_value=10_000_000, places=2)
names = st.sampled_from(["city", "operator", "utility", "sdl"])


@st.composite
def lines(draw):
    horizon = draw(st.integers(1, 12))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, horizon))
        end = draw(st.integers(start, horizon + 3))
        kind = draw(st.sampled_from(engine.KINDS))
        growth = draw(st.decimals(min_value=D("-0.5"), max_value=D("0.5"), places=3))
        if kind == "transfer":
            source, target = draw(st.lists(names, min_size=2, max_size=2, unique=True))
            rows.append(
                Line("t", kind, draw(amounts), start, end, growth, source=source, target=target)
            )
        else:
            rows.append(Line("l", kind, draw(amounts), start, end, growth, party=draw(names)))
    return Model(
        draw(st.decimals(min_value=D(0), max_value=D("0.3"), places=3)), horizon, tuple(rows)
    )


@settings(max_examples=60, deadline=None)
@given(lines())
def test_transfers_cancel_in_the_projects_flows(model):
    found = engine.evaluate(model)
    outside = Model(
        model.discount_rate,
        model.horizon,
        tuple(line for line in model.lines if line.kind != "transfer"),
    )
    without = engine.evaluate(outside)
    assert found.project.net == without.project.net
    for year in found.years:
        assert found.project.net[year] == sum((p.net[year] for p in found.parties.values()), D(0))


@settings(max_examples=60, deadline=None)
@given(lines())
def test_at_a_zero_rate_the_npv_is_the_last_cumulative_position(model):
    found = engine.evaluate(Model(D(0), model.horizon, model.lines))
    for found_position in [found.project, *found.parties.values()]:
        assert found_position.npv == found_position.cumulative[-1]
        assert found_position.discounted_payback_year == found_position.payback_year


# --- The command ------------------------------------------------------------------------------

GOOD = {
    "discount_rate": "0.06",
    "horizon_years": 3,
    "lines": [
        {"label": "Fourreaux", "kind": "capex", "party": "city", "amount": "1000.00"},
        {
            "label": "Location",
            "kind": "transfer",
            "from": "operator",
            "to": "city",
            "start_year": 1,
            "end_year": 3,
            "amount": "400",
            "growth": "0.02",
        },
        {
            "label": "Abonnés",
            "kind": "revenue",
            "party": "operator",
            "start_year": 1,
            "end_year": 9,
            "amount": "700",
        },
    ],
}


def evaluate_file(app, tmp_path, data):
    path = tmp_path / "scenario.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["scenarios", "evaluate", str(path)])


def test_the_command_prints_every_partys_figures(app, tmp_path):
    result = evaluate_file(app, tmp_path, GOOD)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["years"] == [0, 1, 2, 3]
    # 400, 408, 416.16 from the operator to the city.
    assert out["parties"]["city"]["net"] == ["-1000.00", "400.00", "408.00", "416.16"]
    assert out["parties"]["operator"]["net"] == ["0.00", "300.00", "292.00", "283.84"]
    assert out["project"]["net"] == ["-1000.00", "700.00", "700.00", "700.00"]
    assert out["project"]["cumulative"] == ["-1000.00", "-300.00", "400.00", "1100.00"]
    # -1000 + 700 x (1/1.06 + 1/1.1236 + 1/1.191016) = -1000 + 700 x 2.673012 = 871.1084
    assert out["project"]["npv"] == "871.11"
    assert out["project"]["payback_year"] == 2
    assert out["project"]["peak_funding"] == "1000.00"
    assert out["parties"]["operator"]["irr"] is None  # never negative: no sign change


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"discount_rate": "-0.01"}, "taux d'actualisation"),
        ({"horizon_years": 51}, "de 1 à 50 ans"),
        ({"horizon_years": 0}, "de 1 à 50 ans"),
        ({"lines": [{"kind": "capex", "party": "city", "amount": "-5"}]}, "Ligne 1 : le montant"),
        (
            {"lines": [{"kind": "transfer", "from": "city", "amount": "5"}]},
            "d'une partie à une autre",
        ),
        ({"lines": [{"kind": "loan", "party": "city", "amount": "5"}]}, "« loan » inconnue"),
        (
            {"lines": [{"kind": "opex", "party": "city", "amount": "5", "start_year": 4}]},
            "entre 0 et 3",
        ),
        (
            {
                "lines": [
                    {
                        "label": "Gaine",
                        "kind": "opex",
                        "party": "city",
                        "amount": "5",
                        "start_year": 2,
                        "end_year": 1,
                    }
                ]
            },
            "Ligne 1 « Gaine » : l'année de fin précède",
        ),
        ({"lines": [{"kind": "opex", "party": "city", "amount": "cinq"}]}, "n'est pas un nombre"),
        ({"lines": "none"}, "liste « lines »"),
    ],
)
def test_the_command_refuses_bad_input_with_status_2(app, tmp_path, change, said):
    result = evaluate_file(app, tmp_path, {**GOOD, **change})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert said in result.stderr


def test_the_command_refuses_a_file_that_is_not_json(app, tmp_path):
    result = evaluate_file(app, tmp_path, "{not json")
    assert result.exit_code == 2
    assert "pas un fichier JSON" in result.stderr
