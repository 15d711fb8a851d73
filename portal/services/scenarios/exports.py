"""A city's scenarios exported: the comparison as a landscape PDF for the steering
committee, and a workbook with the comparison and each scenario's lines and yearly flows,
numbers as numbers."""

import io
from decimal import Decimal

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from fpdf.enums import XPos, YPos

from portal.labels import (
    INVESTMENT_MODEL_LABELS,
    LINE_KIND_LABELS,
    SCENARIO_STATUS_LABELS,
    TRANSFER_KIND_LABELS,
)
from portal.names import local
from portal.services import exports
from portal.services.documents import PdfDocument
from portal.services.scenarios import charts

HUNDRED = Decimal(100)


def _metrics(scenarios, figures) -> list[tuple[str, list]]:
    """(label, one value per scenario) rows: raw values, formatted by each export."""
    rows = [
        (_("État"), [str(SCENARIO_STATUS_LABELS[s.status]) for s in scenarios]),
        (
            _("Modèle d'investissement"),
            [str(INVESTMENT_MODEL_LABELS[s.investment_model]) for s in scenarios],
        ),
        (_("Horizon (années)"), [s.horizon_years for s in scenarios]),
        (_("Taux d'actualisation (%)"), [s.discount_rate * HUNDRED for s in scenarios]),
        (_("VAN du projet (MAD)"), [figures[s.id].evaluation.project.npv for s in scenarios]),
        (
            _("TRI du projet (%)"),
            [
                None if (irr := figures[s.id].evaluation.project.irr) is None else irr * HUNDRED
                for s in scenarios
            ],
        ),
        (
            _("Retour sur investissement (année)"),
            [figures[s.id].evaluation.project.payback_year for s in scenarios],
        ),
        (
            _("Besoin de financement maximal (MAD)"),
            [figures[s.id].evaluation.project.peak_funding for s in scenarios],
        ),
        (
            _("Coût actualisé (investissement et exploitation)"),
            [figures[s.id].discounted_cost for s in scenarios],
        ),
        (_("Par ménage ou local raccordable"), [figures[s.id].per_household for s in scenarios]),
        (_("Par site raccordé"), [figures[s.id].per_site for s in scenarios]),
    ]
    names = list(dict.fromkeys(n for s in scenarios for n in figures[s.id].evaluation.parties))
    for name in names:
        rows.append(
            (
                _("VAN de %(party)s (MAD)", party=name),
                [
                    p.npv if (p := figures[s.id].evaluation.parties.get(name)) else None
                    for s in scenarios
                ],
            )
        )
    return rows


def workbook(city, scenarios, figures) -> bytes:
    sheets = [
        (
            _("Comparaison"),
            [_("Indicateur"), *[s.name for s in scenarios]],
            [[label, *values] for label, values in _metrics(scenarios, figures)],
        )
    ]
    for number, scenario in enumerate(scenarios, start=1):
        sheets.append(
            (
                f"{number} {_('Lignes')} {scenario.name}",
                [
                    _("Libellé"),
                    _("Nature"),
                    _("Type de transfert"),
                    _("Partie"),
                    _("Payé par (transfert)"),
                    _("Reçu par (transfert)"),
                    _("Année de début"),
                    _("Année de fin"),
                    _("Montant par an (MAD)"),
                    _("Croissance annuelle (%)"),
                ],
                [
                    [
                        line.label,
                        str(LINE_KIND_LABELS[line.kind]),
                        str(TRANSFER_KIND_LABELS[line.transfer_kind]) if line.transfer_kind else "",
                        line.party.name if line.party else "",
                        line.source.name if line.source else "",
                        line.target.name if line.target else "",
                        line.start_year,
                        line.end_year,
                        line.amount,
                        line.growth * HUNDRED,
                    ]
                    for line in scenario.lines
                ],
            )
        )
        evaluation = figures[scenario.id].evaluation
        rows = [[name, *p.net] for name, p in evaluation.parties.items()]
        rows.append([_("Projet"), *evaluation.project.net])
        rows.append([_("Projet, cumulé"), *evaluation.project.cumulative])
        sheets.append(
            (
                f"{number} {_('Flux')} {scenario.name}",
                [_("Partie"), *[str(year) for year in evaluation.years]],
                rows,
            )
        )
    return exports.to_xlsx_book(sheets)


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format_decimal(value, format="#,##0.00")
    return str(value)


def _chart(document: PdfDocument, evaluation) -> None:
    """The cumulative positions, with the legend written as the document's own text (text
    inside the SVG would not run right to left)."""
    document.font("B", 9)
    document.line_text(_("Position cumulée de chaque partie, par année (millions de MAD)."))
    document.font("", 9)
    svg = charts.cumulative_chart(evaluation, title="", unit="", legend=False)
    top = document.get_y()
    width = 120
    document.image(io.BytesIO(svg.encode()), x=document.l_margin, y=top, w=width)
    document.set_y(top + width * 210 / 420 + 2)
    for index, name in enumerate(evaluation.parties):
        colour = charts.PALETTE[index % len(charts.PALETTE)].lstrip("#")
        red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
        y = document.get_y() + 2.5
        document.set_draw_color(red, green, blue)
        document.set_line_width(0.8)
        document.line(document.l_margin, y, document.l_margin + 8, y)
        document.set_x(document.l_margin + 10)
        document.cell(0, 5, name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_draw_color(0, 0, 0)
    document.set_line_width(0.2)
    document.ln(2)


def pdf(city, scenarios, figures) -> bytes:
    title = _("Scénarios de %(city)s", city=local(city))
    document = PdfDocument(title, orientation="landscape")
    document.alias_nb_pages()
    document.add_page()
    document.heading(title)
    if not scenarios:
        document.line_text(_("Aucun scénario pour l'instant."))
        return bytes(document.output())
    document.heading(_("Comparaison"))
    # Four scenarios side by side at most per table, so that the columns stay readable.
    for start in range(0, len(scenarios), 4):
        part = scenarios[start : start + 4]
        rest = (document.epw - 70) / len(part)
        document.grid(
            [_("Indicateur"), *[s.name for s in part]],
            [
                [label, *[_shown(v) for v in values[start : start + 4]]]
                for label, values in _metrics(scenarios, figures)
            ],
            [70] + [rest] * len(part),
        )
        document.ln(3)
    for scenario in scenarios:
        evaluation = figures[scenario.id].evaluation
        document.add_page()
        document.heading(scenario.name)
        document.labelled(
            _("Modèle d'investissement"), str(INVESTMENT_MODEL_LABELS[scenario.investment_model])
        )
        document.labelled(
            _("Taux d'actualisation"), format_percent(scenario.discount_rate, format="#,##0.##%")
        )
        if scenario.description:
            document.line_text(scenario.description)
        rows = []
        for name, position in [
            *evaluation.parties.items(),
            (_("Projet (toutes parties)"), evaluation.project),
        ]:
            rows.append(
                [
                    name,
                    _shown(position.npv),
                    format_percent(position.irr, format="#,##0.##%")
                    if position.irr is not None
                    else "—",
                    _shown(position.payback_year),
                    _shown(position.discounted_payback_year),
                    _shown(position.peak_funding),
                ]
            )
        document.grid(
            [
                _("Partie"),
                _("VAN (MAD)"),
                _("TRI"),
                _("Retour sur investissement"),
                _("Retour actualisé"),
                _("Besoin de financement maximal (MAD)"),
            ],
            rows,
            [70, 40, 25, 40, 40, 50],
        )
        document.ln(3)
        _chart(document, evaluation)
        document.grid(
            [
                _("Libellé"),
                _("Nature"),
                _("Partie"),
                _("Années"),
                _("Montant par an (MAD)"),
                _("Croissance"),
            ],
            [
                [
                    line.label,
                    str(LINE_KIND_LABELS[line.kind]),
                    _(
                        "de %(source)s à %(target)s",
                        source=line.source.name,
                        target=line.target.name,
                    )
                    if line.source and line.target
                    else (line.party.name if line.party else ""),
                    f"{line.start_year}–{line.end_year}",
                    _shown(line.amount),
                    format_percent(line.growth, format="#,##0.##%"),
                ]
                for line in scenario.lines
            ],
            [80, 40, 60, 20, 40, 25],
        )
    return bytes(document.output())
