"""Balances per organisation, city and agreement, who owes whom, who sees which figures."""

from datetime import date
from decimal import Decimal

from portal.services import finance
from tests.finance.helpers import TODAY, act, draft, schedule, signed, terminate


def figures(f) -> tuple[Decimal, ...]:
    return (f.committed, f.invoiced, f.paid, f.outstanding, f.overdue, f.disputed)


def money_row(*values) -> tuple[Decimal, ...]:
    """committed, invoiced, paid, outstanding, overdue, disputed"""
    return tuple(Decimal(v).quantize(Decimal("0.01")) for v in values)


def test_balances_per_organisation_city_and_in_total(w, make_org):
    a, b = w.payee_org, w.payer_org  # a national operator, a city utility
    c = make_org(short_name="INWI")  # national too, so it deals in Agadir
    # A owes B: 300 paid, 300 invoiced and past due, 700 still to come.
    ab = signed(
        w,
        [(date(2026, 1, 31), "300"), (date(2026, 3, 31), "300"), (date(2026, 9, 30), "700")],
        payer=a,
        payee=b,
    )
    act(w.payer, ab.installments[0], "invoice", day=date(2026, 1, 15))
    act(w.payee, ab.installments[0], "pay", day=date(2026, 2, 1))
    act(w.payer, ab.installments[1], "invoice", day=date(2026, 3, 1))
    # B owes A: 100 invoiced then disputed (past due, yet not overdue), 200 to come.
    ba = signed(w, [(date(2026, 2, 28), "100"), (date(2026, 12, 31), "200")], payer=b, payee=a)
    act(w.payee, ba.installments[0], "invoice", day=date(2026, 2, 1))
    act(w.payer, ba.installments[0], "dispute")
    # In Agadir, C owes A: 200 cancelled, 300 past due without an invoice.
    ca = signed(
        w,
        [(date(2026, 4, 30), "200"), (date(2026, 5, 1), "300")],
        payer=c,
        payee=a,
        city=w.other_city,
    )
    act(w.secretariat, ca.installments[0], "cancel")
    # Terminated after one paid installment: the paid one counts, the cancelled one not.
    ended = signed(w, [(date(2026, 2, 1), "200"), (date(2026, 8, 1), "200")], payer=b, payee=a)
    act(w.payer, ended.installments[0], "pay")
    terminate(w, ended)
    # A draft, even scheduled, commits nobody.
    pending = draft(w, "999.00", payer=a, payee=b)
    schedule(w, pending, [(date(2026, 1, 31), "999.00")])

    result = finance.balances(w.secretariat, today=TODAY)
    a_to_b = money_row(1300, 600, 300, 1000, 300, 0)
    assert figures(result.payable[a.id]) == a_to_b
    assert figures(result.receivable[b.id]) == a_to_b
    assert figures(result.payable[b.id]) == money_row(500, 100, 200, 300, 0, 100)
    assert figures(result.payable[c.id]) == money_row(300, 0, 0, 300, 300, 0)
    assert figures(result.receivable[a.id]) == money_row(800, 100, 200, 600, 300, 100)
    assert c.id not in result.receivable
    assert result.organizations() == sorted({a.id, b.id, c.id})
    assert figures(result.by_city[w.city.id]) == money_row(1800, 700, 500, 1300, 300, 100)
    assert figures(result.by_city[w.other_city.id]) == money_row(300, 0, 0, 300, 300, 0)
    assert set(result.by_city) == {w.city.id, w.other_city.id}
    assert figures(result.total) == money_row(2100, 700, 500, 1600, 600, 100)
    # A owes B 1000 and B owes A 300: only the 700 difference remains.
    assert result.net_matrix() == {
        (a.id, b.id): Decimal("700.00"),
        (c.id, a.id): Decimal("300.00"),
    }

    # Per agreement, the same figures; a draft's page shows its own schedule.
    per_agreement = finance.agreement_figures([ab, pending], TODAY)
    assert figures(per_agreement[ab.id]) == a_to_b
    assert figures(per_agreement[pending.id]) == money_row(999, 0, 0, 999, 999, 0)

    # Each person sees the figures of what they may see.
    agadir = finance.balances(w.secretariat, today=TODAY, city_id=w.other_city.id)
    assert figures(agadir.total) == money_row(300, 0, 0, 300, 300, 0)
    local = finance.balances(w.local, today=TODAY)
    assert set(local.by_city) == {w.city.id}
    assert figures(local.total) == money_row(1800, 700, 500, 1300, 300, 100)
    outsider = finance.balances(w.third, today=TODAY)
    assert figures(outsider.total) == money_row(0, 0, 0, 0, 0, 0)
    assert finance.balances(w.observer, today=TODAY).organizations() == []
    # Later, the planned 700 of A->B is overdue too.
    late = finance.balances(w.secretariat, today=date(2026, 10, 1))
    assert late.payable[a.id].overdue == Decimal("1000.00")
