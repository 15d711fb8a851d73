"""A whole evaluation of the demo's Wi-Fi tender by its two-member committee, in a browser.

The member declares and scores, the chair scores too far from her on one criterion, settles
the spread with a consensus note, locks the technical result, opens the envelopes with both
present and ranks by the reference price; the ministry awards. Until the opening, nobody
(the secretariat and an observer included) sees a price on the tender's page.
"""

import re

from playwright.sync_api import expect

from tests.browser.test_login_flows import sign_in
from tests.browser.test_milestone_approval import sign_out

REFERENCE = "AO-MAR-2026-02"
CHAIR, MEMBER = "evaluateur@sdtn.demo", "evaluatrice@sdtn.demo"
BIDDER_NAMES = {
    "RSN": "Réseaux du Souss Numérique",
    "IAM": "Maroc Telecom",
    "Orange": "Orange Maroc",
}
CRITERIA = (
    "Architecture et couverture",
    "Plan d'intégration patrimoniale",
    "Exploitation et maintenance",
)
# Sealed prices from seeds/tenders.py, as digit groups (the page groups them with narrow
# no-break spaces; a raw "2650000.00" must not leak either).
SEALED = {"RSN": ("2", "650", "000"), "IAM": ("2", "980", "000"), "Orange": ("2", "400", "000")}

# Points per bid on (architecture /50, heritage /30, operation /20). The two members differ
# by 15 on RSN's architecture, more than 20 % of 50: that cell needs a consensus note.
MEMBER_MARKS = {"RSN": (30, 22, 15), "IAM": (40, 25, 16), "Orange": (35, 20, 14)}
CHAIR_MARKS = {"RSN": (45, 24, 16), "IAM": (42, 26, 17), "Orange": (33, 21, 15)}
CONSENSUS = "40"
# Technical scores with the consensus: RSN 40 + 23 + 15.5, IAM 41 + 25.5 + 16.5,
# Orange 34 + 20.5 + 14.5; all above the threshold of 60.
# Reference price: (2 800 000 + (2 650 000 + 2 980 000 + 2 400 000) / 3) / 2 = 2 738 333.33.
# Below it, the closest first (RSN, then Orange); above it, IAM. Orange's 2 400 000 is not
# more than 20 % under the estimate (2 240 000), so no justification is asked for.


def price_pattern(groups: tuple[str, ...]) -> re.Pattern:
    # Any spacing between the digit groups (none, space, no-break or narrow no-break space).
    return re.compile(r"(?<!\d)" + r"\s*".join(groups) + r"(?!\d)")


def shown_prices(page) -> list[str]:
    """The bidders whose sealed price appears in the page's text or markup."""
    text = page.locator("body").inner_text() + "\n" + page.content().replace("&nbsp;", " ")
    return [name for name, groups in SEALED.items() if price_pattern(groups).search(text)]


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def open_tender(page) -> None:
    page.goto("/tenders")
    page.get_by_role("link", name=REFERENCE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(REFERENCE)


def stage(page):
    return page.locator("#tender-stage")


def move(page, label: str) -> None:
    page.get_by_role("button", name=f"{label} →", exact=True).click()


def flash(page, text):
    return page.locator(".flashes").get_by_text(text)


def bid_row(page, bidder: str):
    return page.locator(f'#bids-1 tbody tr[data-bidder="{bidder}"]')


def score_and_submit(page, marks: dict[str, tuple[int, int, int]]) -> None:
    """On "Ma notation": every note and justification, then "Remettre mes notes"."""
    page.get_by_role("button", name="Ma notation").click()
    expect(page.get_by_role("heading", name="Ma notation", level=1)).to_be_visible()
    for bidder, points in marks.items():
        for criterion, value in zip(CRITERIA, points, strict=True):
            page.get_by_label(f"Note de {bidder} sur {criterion}", exact=True).fill(str(value))
            page.get_by_label(f"Justification pour {bidder} sur {criterion}", exact=True).fill(
                f"{criterion} : appréciation motivée de l'offre {bidder}."
            )
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remettre mes notes").click()
    expect(
        flash(page, "Notes remises : vous voyez désormais celles des autres membres.")
    ).to_be_visible()
    # Submitted notes no longer change.
    expect(
        page.get_by_text(re.compile(r"Notes remises le .+ : elles ne changent plus\."))
    ).to_be_visible()
    expect(page.get_by_role("button", name="Remettre mes notes")).to_have_count(0)
    first = page.get_by_label(f"Note de RSN sur {CRITERIA[0]}", exact=True)
    expect(first).to_be_disabled()
    expect(first).to_have_value(f"{marks['RSN'][0]},00")


def assert_no_price(page, who: str) -> None:
    assert shown_prices(page) == [], f"{who} sees a sealed price before the opening"


def outsiders_see_no_price(page, *, locked: bool) -> None:
    """The observer sees neither bids nor prices; the secretariat sees the bids, sealed."""
    sign_in(page, "observateur@sdtn.demo")
    open_tender(page)
    expect(page.locator("#bids-1")).to_have_count(0)
    expect(page.get_by_text("Les offres sont visibles du secrétariat")).to_be_visible()
    assert_no_price(page, "the observer")
    sign_out(page)

    sign_in(page, "secretariat@sdtn.demo")
    open_tender(page)
    expect(page.locator("#bids-1 tbody tr")).to_have_count(3)
    expect(page.locator("#bids-1 .sealed")).to_have_text(["scellée"] * 3)
    expect(page.locator("#technical")).to_have_count(1 if locked else 0)
    assert_no_price(page, "the secretariat")
    sign_out(page)


def test_two_members_evaluate_then_the_ministry_awards(page, demo_data):
    # Before anyone acts: the seeded tender in technical evaluation, prices sealed for all.
    outsiders_see_no_price(page, locked=False)

    # 1. The member has not declared: no bidder is named, a declaration form is offered.
    sign_in(page, MEMBER)
    open_tender(page)
    expect(stage(page)).to_have_text("Évaluation technique")
    body = page.locator("body")
    for name in BIDDER_NAMES.values():
        expect(body).not_to_contain_text(name)
    expect(page.locator("#bids-1")).to_have_count(0)
    expect(page.get_by_role("button", name="Ma notation")).to_have_count(0)
    declaration = page.locator("#declaration-form")
    expect(declaration).to_be_visible()
    declaration.get_by_label("Déclaration").select_option(
        label="Je déclare n'avoir aucun conflit d'intérêts avec les soumissionnaires"
    )
    declaration.get_by_role("button", name="Signer la déclaration").click()
    expect(flash(page, "Déclaration enregistrée.")).to_be_visible()
    expect(page.locator("#declaration-form")).to_have_count(0)
    expect(page.get_by_text("Leila Mansouri — Membre")).to_contain_text(
        "absence de conflit déclarée"
    )
    # Now the three admitted bids, named, with their price still sealed.
    expect(page.locator("#bids-1 tbody tr")).to_have_count(3)
    for short, name in BIDDER_NAMES.items():
        row = bid_row(page, short)
        expect(row).to_contain_text(name)
        expect(row).to_contain_text("admise")
        expect(row.locator("td.amount")).to_have_text("scellée")
    assert_no_price(page, "the member")
    score_and_submit(page, MEMBER_MARKS)
    page.get_by_role("link", name=REFERENCE).click()
    expect(page.get_by_text("Leila Mansouri — Membre")).to_contain_text("notes remises")
    assert_no_price(page, "the member")
    sign_out(page)

    # 2. The chair (declared in the seeds) does not see the member's notes before his own.
    sign_in(page, CHAIR)
    open_tender(page)
    expect(page.locator("#bids-1 .sealed")).to_have_count(3)
    expect(page.get_by_role("heading", name="Résultat technique")).to_have_count(0)
    assert_no_price(page, "the chair")
    score_and_submit(page, CHAIR_MARKS)
    page.get_by_role("link", name=REFERENCE).click()
    expect(page.get_by_role("heading", name="Résultat technique")).to_be_visible()
    technical = page.locator("#technical tbody tr")
    expect(technical).to_have_count(3)
    spread = page.locator('#technical tr[data-bidder="RSN"] td').first
    expect(spread).to_contain_text("37,50")  # the mean of 45 and 30, not retained as is
    expect(spread).to_contain_text("écart à trancher")
    expect(spread).to_contain_text("45,00")
    expect(spread).to_contain_text("30,00")
    expect(page.locator("#technical .late-flag")).to_have_count(1)

    # The lock is refused while the spread is not settled.
    move(page, "Résultat technique arrêté")
    expect(page.locator(".flash-error")).to_contain_text("trop dispersée")
    expect(stage(page)).to_have_text("Évaluation technique")

    consensus = page.locator("form").filter(
        has=page.get_by_role("button", name="Enregistrer la note de consensus")
    )
    consensus.get_by_label("Offre").select_option(label="RSN")
    consensus.get_by_label("Critère").select_option(label=CRITERIA[0])
    consensus.get_by_label("Note de consensus").fill(CONSENSUS)
    consensus.get_by_label("Motif").fill("Couverture des derbs étroits vérifiée en séance.")
    consensus.get_by_role("button", name="Enregistrer la note de consensus").click()
    expect(flash(page, "Note de consensus enregistrée.")).to_be_visible()
    spread = page.locator('#technical tr[data-bidder="RSN"] td').first
    expect(spread).to_contain_text("40,00")
    expect(spread).to_contain_text("consensus")
    expect(spread).not_to_contain_text("écart à trancher")
    totals = page.locator("#technical tbody tr td:last-child")
    expect(totals).to_have_text(["78,50", "83,00", "69,00"])  # RSN, IAM, Orange (bid order)

    move(page, "Résultat technique arrêté")
    expect(flash(page, "Étape : « Résultat technique arrêté ».")).to_be_visible()
    expect(stage(page)).to_have_text("Résultat technique arrêté")
    expect(page.locator("#bids-1 .sealed")).to_have_count(3)
    assert_no_price(page, "the chair")
    sign_out(page)

    # 4. Locked but not opened: still no price for the observer nor the secretariat.
    outsiders_see_no_price(page, locked=True)

    # 3. The chair opens the envelopes with both members present.
    sign_in(page, CHAIR)
    open_tender(page)
    present = page.get_by_role("group", name="Membres présents à l'ouverture des plis")
    present.get_by_label("Rachid Alaoui").check()
    present.get_by_label("Leila Mansouri").check()
    move(page, "Ouverture des offres financières")
    expect(flash(page, "Étape : « Ouverture des offres financières ».")).to_be_visible()
    expect(stage(page)).to_have_text("Ouverture des offres financières")
    expect(page.locator("#bids-1 .sealed")).to_have_count(0)
    for short, groups in SEALED.items():
        cell = bid_row(page, short).locator("td.amount")
        expect(cell).to_have_text(price_pattern((*groups[:-1], groups[-1] + ",00")))
    expect(page.locator("#tender-history li").last).to_contain_text("Présents : 2 membres")
    assert shown_prices(page) == list(SEALED)  # the same check that found none so far

    move(page, "Évaluation financière")
    expect(stage(page)).to_have_text("Évaluation financière")
    expect(page.get_by_role("heading", name="Classement — lot 1")).to_be_visible()
    # Orange is not abnormally low: no justification to decide before the ranking.
    expect(page.get_by_text("anormalement basse", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Accepter la justification")).to_have_count(0)

    move(page, "Classement")
    expect(stage(page)).to_have_text("Classement")
    ranking = page.locator("#ranking-table-1 tbody tr")
    expect(ranking).to_have_count(3)
    expect(ranking.locator("td:nth-child(1)")).to_have_text(["1", "2", "3"])
    expect(ranking.locator("td:nth-child(2)")).to_have_text(
        [
            re.compile("^" + BIDDER_NAMES["RSN"]),
            re.compile("^" + BIDDER_NAMES["Orange"]),
            re.compile("^" + BIDDER_NAMES["IAM"]),
        ]
    )
    expect(ranking.locator("td:nth-child(3)")).to_have_text(["classée"] * 3)
    expect(ranking.locator("td:nth-child(4)")).to_have_text(["78,50", "69,00", "83,00"])
    reference_line = page.get_by_text(re.compile(r"^Prix de référence :"))
    expect(reference_line).to_be_visible()
    assert normalised(reference_line.inner_text()) == "Prix de référence : 2 738 333,33 MAD"

    move(page, "Attribution proposée")
    expect(stage(page)).to_have_text("Attribution proposée")
    expect(page.locator('#ranking-table-1 tr[data-bidder="RSN"]')).to_contain_text(
        "(attributaire proposé)"
    )
    expect(page.get_by_text("(attributaire proposé)")).to_have_count(1)
    # Awarding is the ministry's decision, not the chair's.
    expect(page.get_by_role("button", name="Attribué →")).to_have_count(0)
    sign_out(page)

    sign_in(page, "central@sdtn.demo")
    open_tender(page)
    expect(page.locator('#ranking-table-1 tr[data-bidder="RSN"]')).to_contain_text(
        "(attributaire proposé)"
    )
    move(page, "Attribué")
    expect(flash(page, "Étape : « Attribué ».")).to_be_visible()
    expect(stage(page)).to_have_text("Attribué")
    expect(page.get_by_role("heading", name=re.compile(r"^Lot 1 :"))).to_contain_text("attribué")
    # Once the ministry has decided, the winner is no longer "proposed".
    winner = page.locator('#ranking-table-1 tr[data-bidder="RSN"]')
    expect(winner).to_contain_text("(attributaire)")
    expect(winner).not_to_contain_text("proposé")
    expect(page.get_by_role("region", name="Étape suivante")).to_have_count(0)
