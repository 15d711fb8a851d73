"""A form never loses what the person typed: after one bad value every other value comes
back, every error sits on its own field (aria-invalid, aria-describedby), all errors show at
once, nothing is saved, and the address bar shows the object's page, so that a reload reads
the page instead of sending the form again."""

import re

from playwright.sync_api import expect

from tests.browser.test_login_flows import sign_in
from tests.browser.test_milestone_approval import sign_out
from tests.browser.test_tender_evaluation import CHAIR, CRITERIA, open_tender


def error_of(page, control):
    """The message the control points to with aria-describedby."""
    expect(control).to_have_attribute("aria-invalid", "true")
    described = control.get_attribute("aria-describedby")
    return page.locator(f"#{described}")


def test_one_score_out_of_range_keeps_the_seventeen_other_values(page, demo_data):
    sign_in(page, CHAIR)
    open_tender(page)
    page.get_by_role("button", name="Ma notation").click()
    typed = {}
    for bidder, first_points in (("RSN", "55"), ("IAM", "40"), ("Orange", "35")):
        for index, criterion in enumerate(CRITERIA):
            points = first_points if index == 0 else str(10 + index)
            typed[(bidder, criterion)] = (points, f"{criterion} : avis motivé sur {bidder}.")
    for (bidder, criterion), (points, why) in typed.items():
        page.get_by_label(f"Note de {bidder} sur {criterion}", exact=True).fill(points)
        page.get_by_label(f"Justification pour {bidder} sur {criterion}", exact=True).fill(why)
    page.get_by_role("button", name="Enregistrer sans remettre").click()

    expect(page.locator(".flash-error")).to_have_text(
        "1 note à corriger : rien n'a été enregistré."
    )
    wrong = page.get_by_label(f"Note de RSN sur {CRITERIA[0]}", exact=True)
    expect(error_of(page, wrong)).to_have_text(f"RSN – {CRITERIA[0]} : Une note entre 0 et 50,00.")
    # The focus is on the value to correct, not back at the top of the page.
    expect(wrong).to_be_focused()
    for (bidder, criterion), (points, why) in typed.items():
        note = page.get_by_label(f"Note de {bidder} sur {criterion}", exact=True)
        expect(note).to_have_value(points)
        if (bidder, criterion) != ("RSN", CRITERIA[0]):
            expect(note).not_to_have_attribute("aria-invalid", "true")
        expect(
            page.get_by_label(f"Justification pour {bidder} sur {criterion}", exact=True)
        ).to_have_value(why)

    # Nothing was kept: the page read again has every field empty.
    page.goto(page.url)
    for bidder, criterion in typed:
        expect(page.get_by_label(f"Note de {bidder} sur {criterion}", exact=True)).to_have_value("")


def test_a_declaration_reports_every_error_at_once_and_keeps_the_note(page, demo_data):
    sign_in(page, "contributeur@sdtn.demo")
    page.goto("/tasks?kind=commitment_late")
    page.locator("ul.task-list li a").first.click()
    address = page.url.split("#")[0]
    form = page.locator("form").filter(has=page.get_by_label("Nouvelle valeur"))
    form.get_by_label("Nouvelle valeur").fill("abc")
    form.get_by_label("Note").fill("Relevé du trimestre, chantier de la rue 7.")
    form.get_by_role("button", name="Déclarer", exact=True).click()

    value = page.get_by_label("Nouvelle valeur")
    expect(error_of(page, value)).to_have_text("Valeur numérique invalide.")
    expect(error_of(page, page.get_by_label("Mesurée le"))).not_to_be_empty()
    expect(value).to_have_value("abc")
    expect(page.get_by_label("Note")).to_have_value("Relevé du trimestre, chantier de la rue 7.")
    # The address is the commitment's page: reading it again does not send the form.
    expect(page).to_have_url(re.compile(re.escape(address) + "(#.*)?$"))
    with page.expect_request(re.compile(re.escape(address))) as reload:
        page.reload()
    assert reload.value.method == "GET"
    expect(page.get_by_label("Nouvelle valeur")).to_have_value("")


def test_a_refused_transition_stays_on_the_milestones_address(page, demo_data):
    sign_in(page, "local.marrakech@sdtn.demo")
    page.goto("/tasks?kind=milestone_approve_local")
    page.locator("ul.task-list li a").first.click()
    address = page.url
    assert re.search(r"/milestones/\d+$", address)
    # Returning a milestone needs a reason: none given.
    page.get_by_role("button", name=re.compile("^Renvoyer")).click()
    comment = page.locator("#transition-comment")
    expect(error_of(page, comment)).not_to_be_empty()
    # portal.js puts the milestone's own address back in the bar once the page is read.
    expect(page).to_have_url(address)
    with page.expect_request(address) as reload:
        page.reload()
    assert reload.value.method == "GET"
    expect(page.locator("#transition-comment")).not_to_have_attribute("aria-invalid", "true")
    # Given its reason, the milestone goes back; the focus is on the confirmation.
    page.locator("#transition-comment").fill("Le cahier des charges manque en annexe.")
    page.get_by_role("button", name=re.compile("^Renvoyer")).click()
    confirmation = page.locator(".flashes .flash-success")
    expect(confirmation).to_contain_text("Le jalon est maintenant")
    expect(confirmation).to_be_focused()


# The creation forms of each role, filled whole but for their first text field (a required
# name or title): every other value must come back as it was typed.
CREATION_FORMS = {
    "secretariat@sdtn.demo": [
        "/commitments/new",
        "/tenders/new",
        "/finance/agreements/new",
        "/finance/assets/new",
        "/coverage/indicators/new",
    ],
    "admin@sdtn.demo": ["/admin/users/new", "/admin/organizations/new", "/admin/cities/new"],
}

FILL = """(form) => {
    const typed = {};
    let i = 0;
    for (const e of form.querySelectorAll("input, textarea, select")) {
        if (!e.name || e.name === "csrf_token" || e.type === "hidden" || e.disabled) continue;
        if (["file", "password", "checkbox", "radio", "submit"].includes(e.type)) continue;
        i += 1;
        if (e.tagName === "SELECT") {
            if (e.multiple || e.options.length < 2) continue;
            e.value = e.options[e.options.length - 1].value;
        } else if (e.type === "date") {
            e.value = "2026-05-1" + (i % 10);
        } else if (e.type === "email") {
            e.value = "champ" + i + "@example.org";
        } else if (e.type === "number") {
            e.value = String(10 + i);
        } else {
            e.value = "Valeur " + i;
        }
        typed[e.name] = e.value;
    }
    const first = form.querySelector("input[type=text], input:not([type]), textarea");
    first.value = "";
    typed[first.name] = "";
    return typed;
}"""

READ = """(form) => Object.fromEntries([...form.querySelectorAll("input, textarea, select")]
    .filter((e) => e.name).map((e) => [e.name, e.value]))"""


def test_every_creation_form_gives_back_what_was_typed(page, demo_data):
    for email, paths in CREATION_FORMS.items():
        sign_in(page, email)
        for path in paths:
            page.goto(path)
            form = page.locator("main form[method=post]").last
            typed = form.evaluate(FILL)
            assert len(typed) >= 3, path
            form.locator("button[type=submit]").first.click()
            expect(page.locator(".field-error, .flash-error").first).to_be_visible()
            form = page.locator("main form[method=post]").last
            given_back = form.evaluate(READ)
            assert {name: given_back.get(name) for name in typed} == typed, path
        sign_out(page)


def test_a_contributors_milestone_form_offers_only_what_it_may_choose(app, page, demo_data):
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import Milestone, MilestoneStatus, Organization

    with app.app_context():
        radeema = db.session.scalar(
            sa.select(Organization).where(Organization.short_name == "RADEEMA")
        )
        milestone = db.session.scalars(
            sa.select(Milestone)
            .where(
                Milestone.responsible_organization_id == radeema.id,
                Milestone.status.in_([MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS]),
            )
            .order_by(Milestone.id)
        ).first()
        assert milestone is not None, "the demo gives RADEEMA no open milestone"
        url, title = f"/milestones/{milestone.id}/edit", milestone.title

    sign_in(page, "contributeur@sdtn.demo")
    page.goto(url)
    # Its own organisation only: the save would refuse any other.
    organisation = page.get_by_label("Organisme responsable")
    expect(organisation.locator("option")).to_have_count(1)
    expect(organisation.locator("option")).to_contain_text("RADEEMA")
    # The dependency list filters as one types.
    choices = page.locator("#predecessors li")
    total = choices.count()
    assert total > 5
    page.get_by_label("Chercher un jalon").fill("Diagnostic")
    visible = page.locator("#predecessors li:visible")
    expect(visible.filter(has_text="Diagnostic").first).to_be_visible()
    assert 0 < visible.count() < total
    # What is shown matches, or is already chosen (a choice never hides).
    for item in visible.all():
        assert "diagnostic" in item.inner_text().lower() or item.locator("input").is_checked()
    expect(page.get_by_label("Titre")).to_have_value(title)

    # The secretariat chooses among every organisation.
    sign_out(page)
    sign_in(page, "secretariat@sdtn.demo")
    page.goto(url)
    assert page.get_by_label("Organisme responsable").locator("option").count() > 10
