"""The ranking of candidate sites as a table (CSV, XLSX) and as a PDF, with the score
breakdown and the written justification of each decision."""

from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _

from portal.bidi import listed
from portal.names import local
from portal.services import selection
from portal.services.coverage import KIND_LABELS, STATUS_LABELS, Ranking, plain_number
from portal.services.documents import PdfDocument


def _outcome(status: str) -> str:
    if status == selection.ELIMINATED:
        return _("éliminé")
    if status == selection.UNSCORED:
        return _("non évalué")
    return ""


def ranking_table(ranking: Ranking) -> tuple[list[str], list[list[object]]]:
    scored = ranking.scored
    headers = [
        _("Rang"),
        _("Site"),
        _("Quartier"),
        _("Organisme d'accueil"),
        _("Coût estimé (MAD)"),
        _("Statut"),
        _("Score sur 100"),
        *[f"{local(c, 'label')} (/{plain_number(c.weight)})" for c in scored],
        _("Évaluateurs"),
        _("Critères éliminatoires non remplis"),
        _("Justification de la décision"),
    ]
    rows = []
    for site, result in ranking.rows:
        rows.append(
            [
                result.rank if result.rank is not None else _outcome(result.status),
                site.name,
                site.district,
                site.host_organization.short_name,
                site.estimated_cost,
                str(STATUS_LABELS[site.status]),
                result.total,
                *[result.breakdown.get(c.id) for c in scored],
                result.scorers,
                listed((f"{label} : {reason}" for label, reason in result.failed), strong=True),
                site.decision_note,
            ]
        )
    return headers, rows


def _points(value: Decimal | None) -> str:
    return "—" if value is None else format_decimal(value, format="0.00")


def ranking_pdf(ranking: Ranking) -> bytes:
    title = _(
        "Classement des sites — %(kind)s — %(city)s",
        kind=KIND_LABELS[ranking.kind],
        city=local(ranking.city),
    )
    # Landscape: the breakdown has a column per criterion.
    pdf = PdfDocument(title, orientation="landscape")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.heading(title)
    if ranking.criteria_set is None:
        pdf.line_text(_("La ville n'a pas encore publié ses critères pour ce type de site."))
        return bytes(pdf.output())
    pdf.heading(_("Critères publiés"))
    scored = ranking.scored
    numbers = {c.id: f"C{n}" for n, c in enumerate(scored, start=1)}
    for criterion in ranking.criteria:
        if criterion.eliminatory:
            pdf.line_text(_("Éliminatoire : %(label)s", label=local(criterion, "label")))
        else:
            pdf.line_text(
                f"{numbers[criterion.id]} — "
                + _(
                    "%(label)s : %(points)s points",
                    label=local(criterion, "label"),
                    points=plain_number(criterion.weight),
                )
            )
    pdf.heading(_("Classement"))
    fixed = [14, 80, 30, 20]
    # A column per criterion while each keeps room for "100,00"; beyond, one line per site.
    columns = scored if (pdf.epw - sum(fixed)) / max(len(scored), 1) >= 14 else []
    headers = [_("Rang"), _("Site"), _("Statut"), _("Score sur 100")] + [
        f"{numbers[c.id]} (/{plain_number(c.weight)})" for c in columns
    ]
    rows = [
        [
            str(result.rank) if result.rank is not None else _outcome(result.status),
            f"{site.name} ({site.district})",
            str(STATUS_LABELS[site.status]),
            _points(result.total),
            *[_points(result.breakdown.get(c.id)) for c in columns],
        ]
        for site, result in ranking.rows
    ]
    rest = (pdf.epw - sum(fixed)) / max(len(columns), 1)
    pdf.grid(headers, rows, fixed + [rest] * len(columns))
    if scored and not columns:
        pdf.heading(_("Points par critère"))
        for site, result in ranking.rows:
            if result.breakdown:
                details = listed(
                    (f"{numbers[c.id]} {_points(result.breakdown.get(c.id))}" for c in scored),
                    strong=True,
                )
                pdf.line_text(f"{site.name} — {details}")
    pdf.heading(_("Décisions et éliminations"))
    for site, result in ranking.rows:
        notes = []
        if result.failed:
            notes.append(
                _(
                    "Éliminé : %(reasons)s",
                    reasons=listed((f"{a} ({b})" for a, b in result.failed), strong=True),
                )
            )
        if site.decision_note:
            notes.append(
                _(
                    "%(status)s : %(note)s",
                    status=STATUS_LABELS[site.status],
                    note=site.decision_note,
                )
            )
        if notes:
            pdf.line_text(f"{site.name} — " + " ".join(notes))
    return bytes(pdf.output())
