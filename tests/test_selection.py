"""The selection formulas against figures computed by hand, and the simulation command."""

import json
from decimal import Decimal as D

import pytest

from portal.services import selection
from portal.services.errors import InvalidInput
from portal.services.selection import Bid, Method


def by_bidder(result) -> dict:
    return {b.bidder: b for b in result.bids}


def weighted(**change) -> Method:
    values = {
        "method": "weighted",
        "category": "services",
        "technical_weight": D("0.8"),
        "financial_weight": D("0.2"),
        "technical_threshold": D("70"),
        "normalization": "relative_to_best",
    }
    return Method(**{**values, **change})


def test_weighted_scores_match_the_hand_computation(app):
    bids = [
        Bid("A", D("123"), D("10500.00")),
        Bid("B", D("129"), D("11000.00")),
        Bid("C", D("65"), D("9900.00")),  # 65 as scored: below the threshold of 70
        Bid("D", D("120"), D("9000.00"), admissible=False),
    ]
    result = selection.evaluate(weighted(), bids)
    bids_out = by_bidder(result)
    # A: 123/129 x 100 = 95.35; cheapest qualified -> 100; 0.8 x 95.35 + 0.2 x 100 = 96.28
    assert (bids_out["A"].technical_score, bids_out["A"].financial_score) == (
        D("95.35"),
        D("100.00"),
    )
    assert bids_out["A"].combined_score == D("96.28")
    # B: 100; 100 x 10500 / 11000 = 95.45; 80 + 19.09 = 99.09
    assert (bids_out["B"].financial_score, bids_out["B"].combined_score) == (
        D("95.45"),
        D("99.09"),
    )
    assert [bids_out[n].rank for n in "AB"] == [2, 1]
    assert (result.outcome, result.winner) == ("awarded", "B")
    # Neither C's nor D's lower price became "the lowest price".
    assert bids_out["C"].status == selection.BELOW_THRESHOLD and bids_out["C"].rank is None
    assert bids_out["D"].status == selection.NOT_ADMISSIBLE


def test_the_threshold_applies_to_the_scores_as_given_not_normalised(app):
    # Normalised to the best, 50 would become 100 and 40 become 80: both above 70.
    bids = [Bid("A", D("50"), D("100")), Bid("B", D("40"), D("90"))]
    result = selection.evaluate(weighted(), bids)
    assert (result.outcome, result.winner) == ("unsuccessful", None)
    assert {b.status for b in result.bids} == {selection.BELOW_THRESHOLD}


def test_a_full_tie_is_broken_by_the_lower_price(app):
    # A: 0.5 x 100 + 0.5 x 100 = 100 at 1000; B: the same scores after rounding (100.00
    # financial as 100 x 1000 / 1000.004 rounds to 100.00), at a higher price.
    method = weighted(technical_weight=D("0.5"), financial_weight=D("0.5"), normalization="raw")
    bids = [Bid("B", D("100"), D("1000.004")), Bid("A", D("100"), D("1000"))]
    result = by_bidder(selection.evaluate(method, bids))
    assert result["A"].combined_score == result["B"].combined_score
    assert (result["A"].rank, result["B"].rank) == (1, 2)


def test_raw_scores_are_used_as_scored(app):
    bids = [Bid("A", D("71.456"), D("100")), Bid("B", D("69.994"), D("50"))]
    result = by_bidder(selection.evaluate(weighted(normalization="raw"), bids))
    assert result["A"].technical_score == D("71.46")
    # 69.994 rounds to 69.99: below 70, however close.
    assert result["B"].status == selection.BELOW_THRESHOLD
    assert result["A"].financial_score == D("100.00")


def test_equal_combined_scores_are_ranked_by_technical_score(app):
    # A: 0.5 x 90 + 0.5 x 100 = 95; B: 0.5 x 100 + 0.5 x 90 = 95 (100 x 90 / 100 = 90).
    method = weighted(technical_weight=D("0.5"), financial_weight=D("0.5"), normalization="raw")
    bids = [Bid("A", D("90"), D("90")), Bid("B", D("100"), D("100"))]
    result = by_bidder(selection.evaluate(method, bids))
    assert result["A"].combined_score == result["B"].combined_score == D("95.00")
    assert (result["B"].rank, result["A"].rank) == (1, 2)
    # Same combined and same technical score: the same rank.
    twins = [Bid("A", D("90"), D("90")), Bid("B", D("90"), D("90")), Bid("C", D("80"), D("95"))]
    result = by_bidder(selection.evaluate(method, twins))
    assert (result["A"].rank, result["B"].rank, result["C"].rank) == (1, 1, 3)


def test_no_qualified_bid_makes_the_tender_unsuccessful(app):
    bids = [Bid("A", D("60"), D("100")), Bid("B", D("90"), D("100"), admissible=False)]
    result = selection.evaluate(weighted(normalization="raw"), bids)
    assert (result.outcome, result.winner) == ("unsuccessful", None)
    assert all(b.rank is None for b in result.bids)


def test_lowest_price_among_the_qualified_bids(app):
    method = Method(method="lowest_price", category="supplies", technical_threshold=D("70"))
    bids = [
        Bid("A", D("75"), D("5000")),
        Bid("B", D("65"), D("4000")),  # cheaper, but below the threshold
        Bid("C", D("90"), D("5000")),  # same price as A, better technically
        Bid("D", D("80"), D("6000")),
    ]
    result = selection.evaluate(method, bids)
    ranks = {b.bidder: b.rank for b in result.bids}
    assert ranks == {"A": 2, "B": None, "C": 1, "D": 3}
    assert result.winner == "C"
    assert all(b.financial_score is None for b in result.bids)


def reference(category="works", **change) -> Method:
    return Method(method="reference_price", category=category, estimate=D("1000000.00"), **change)


def test_reference_price_bands_and_winner_for_works(app):
    bids = [
        Bid("exactly-20", price=D("800000.00")),  # retained: not *more* than 20 % below
        Bid("too-low", price=D("799999.99")),
        Bid("justified", price=D("700000.00"), justification_accepted=True),
        Bid("exactly+20", price=D("1200000.00")),  # retained: not *more* than 20 % above
        Bid("excessive", price=D("1200000.01")),
        Bid("middle", price=D("950000.00")),
    ]
    result = selection.evaluate(reference(), bids)
    out = by_bidder(result)
    assert out["too-low"].status == selection.ABNORMALLY_LOW
    assert out["excessive"].status == selection.EXCESSIVE
    # Retained: 800 000, 700 000, 1 200 000, 950 000 -> mean 912 500;
    # reference = (1 000 000 + 912 500) / 2 = 956 250.
    assert result.reference_price == D("956250.00")
    # Closest from below first (950 000, 800 000, 700 000), then from above (1 200 000).
    assert [out[n].rank for n in ("middle", "exactly-20", "justified", "exactly+20")] == [
        1,
        2,
        3,
        4,
    ]
    assert result.winner == "middle"


def test_reference_price_bands_for_services_and_none_for_studies(app):
    bids = [Bid("edge", price=D("750000.00")), Bid("low", price=D("749999.99"))]
    out = by_bidder(selection.evaluate(reference("services"), bids))
    assert (out["edge"].status, out["low"].status) == (selection.RANKED, selection.ABNORMALLY_LOW)
    bids = [Bid("cheap", price=D("300000.00")), Bid("dear", price=D("5000000.00"))]
    result = selection.evaluate(reference("studies"), bids)
    assert {b.status for b in result.bids} == {selection.RANKED}
    # (1 000 000 + 2 650 000) / 2 = 1 825 000: the cheap bid is the closest from below.
    assert (result.reference_price, result.winner) == (D("1825000.00"), "cheap")


def test_reference_price_equal_counts_as_below_and_above_wins_when_none_is_below(app):
    # One retained bid at 1 000 000: reference = (1 000 000 + 1 000 000) / 2, equal to it.
    result = selection.evaluate(reference(), [Bid("only", price=D("1000000.00"))])
    assert (result.reference_price, result.winner) == (D("1000000.00"), "only")
    # 1 100 000 and 1 150 000: mean 1 125 000, reference 1 062 500: both above it.
    bids = [Bid("near", price=D("1100000.00")), Bid("far", price=D("1150000.00"))]
    result = selection.evaluate(reference(), bids)
    assert (result.reference_price, result.winner) == (D("1062500.00"), "near")


def test_settings_per_tender_move_the_bands(app):
    method = reference(excessive_above=D("10"), abnormal_below_works=D("15"))
    bids = [
        Bid("a", price=D("1100000.01")),
        Bid("b", price=D("849999.99")),
        Bid("c", price=D("1e6")),
    ]
    out = by_bidder(selection.evaluate(method, bids))
    assert (out["a"].status, out["b"].status, out["c"].status) == (
        selection.EXCESSIVE,
        selection.ABNORMALLY_LOW,
        selection.RANKED,
    )


@pytest.mark.parametrize(
    ("method", "bids", "message"),
    [
        (weighted(financial_weight=D("0.3")), [Bid("A", D("80"), D("10"))], "totaliser 1"),
        (weighted(), [Bid("A", D("80"), D("-10"))], "le prix doit être positif"),
        (
            Method(method="reference_price", category="works"),
            [Bid("A", price=D("1"))],
            "estimation",
        ),
        (weighted(), [Bid("A", D("80"), D("10")), Bid("A", D("70"), D("12"))], "une seule fois"),
        (weighted(), [Bid("A", None, D("10"))], "note technique manquante"),
        (Method(method="auction", category="works"), [], "Méthode inconnue"),
    ],
)
def test_input_no_method_can_use_is_refused_with_a_reason(app, method, bids, message):
    with app.app_context(), pytest.raises(InvalidInput) as refused:
        selection.evaluate(method, bids)
    assert message in refused.value.message


def simulate(app, tmp_path, data):
    path = tmp_path / "tender.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["tenders", "simulate", str(path)])


def test_the_simulation_command_prints_the_portals_result(app, tmp_path):
    data = {
        "method": "weighted",
        "category": "services",
        "estimate": "1000000.00",
        "technical_weight": "0.8",
        "financial_weight": "0.2",
        "technical_threshold": "70",
        "technical_normalization": "relative_to_best",
        "decimals": 2,
        "bids": [
            {"bidder": "A", "technical_score": "123", "price": "10500.00", "admissible": True},
            {"bidder": "B", "technical_score": "129", "price": "11000.00"},
            {"bidder": "C", "technical_score": "65", "price": "9900.00"},
            {"bidder": "D", "technical_score": "120", "price": "9000", "admissible": False},
        ],
    }
    result = simulate(app, tmp_path, data)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["outcome"], out["winner"], out["reference_price"]) == ("awarded", "B", None)
    assert out["bids"][0] == {
        "bidder": "A",
        "status": "ranked",
        "technical_score": "95.35",
        "financial_score": "100.00",
        "combined_score": "96.28",
        "rank": 2,
    }
    assert [b["status"] for b in out["bids"][2:]] == ["below_threshold", "not_admissible"]
    data["decimals"] = 3
    out = json.loads(simulate(app, tmp_path, data).stdout)
    assert out["bids"][0]["technical_score"] == "95.349"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "method": "weighted",
                "category": "works",
                "technical_weight": "0.7",
                "financial_weight": "0.2",
                "bids": [],
            },
            "totaliser 1",
        ),
        (
            {
                "method": "lowest_price",
                "category": "works",
                "bids": [{"bidder": "A", "price": "-5"}],
            },
            "le prix doit être positif",
        ),
        (
            {
                "method": "reference_price",
                "category": "works",
                "bids": [{"bidder": "A", "price": "5"}],
            },
            "estimation",
        ),
        ("{not json", "pas un fichier JSON"),
        (
            {
                "method": "lowest_price",
                "category": "works",
                "bids": [{"bidder": "A", "price": "cinq"}],
            },
            "n'est pas un nombre",
        ),
    ],
)
def test_the_simulation_command_refuses_bad_input_with_status_2(app, tmp_path, data, message):
    result = simulate(app, tmp_path, data)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
