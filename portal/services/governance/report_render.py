"""The steering report's figures as the reader reads them: the labels of their values, a bar
chart of the plan by domain (SVG for the page, drawn for the PDF), and the PDF itself, in
the active language."""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from fpdf.enums import XPos, YPos

from portal import labels
from portal.models.coverage import SiteKind, SiteStatus
from portal.models.governance import ActionStatus
from portal.models.plans import Horizon
from portal.models.tenders import TenderStage
from portal.names import language
from portal.services.documents import PdfDocument

DONE = "#2f855a"
LATE = "#c53030"
OTHER = "#a0aec0"


def texts() -> dict:
    """Each kind of value's labels, by the value the figures keep."""
    return {
        "horizon": {h.value: labels.HORIZON_LABELS[h] for h in Horizon},
        "stage": {s.value: labels.TENDER_STAGE_LABELS[s] for s in TenderStage},
        "site_kind": {k.value: labels.SITE_KIND_LABELS[k] for k in SiteKind},
        "site_status": {s.value: labels.SITE_STATUS_LABELS[s] for s in SiteStatus},
        "state": labels.SITE_PROGRESS_LABELS,
        "action": {
            **{s.value: labels.ACTION_STATUS_LABELS[s] for s in ActionStatus},
            "late": _("En retard"),
        },
    }


def named(names: dict | None) -> str:
    """A name the figures keep in each language, in the reader's (French when missing)."""
    if not names:
        return ""
    return names.get(language()) or names["fr"]


def money(value: str) -> str:
    return f"{format_decimal(Decimal(value), format='#,##0.00')} MAD"


def by_domain(figures: dict) -> list[dict]:
    """The plan's rows summed over horizons, one bar per domain."""
    found: dict[str, dict] = {}
    for row in figures["plan"]["rows"]:
        key = row["domain"]["fr"]
        entry = found.setdefault(key, {"domain": row["domain"], "total": 0, "done": 0, "late": 0})
        for field in ("total", "done", "late"):
            entry[field] += row[field]
    return list(found.values())


def plan_bars(figures: dict, *, rtl: bool = False) -> list[dict]:
    """One bar per domain (approved, late, the rest of its milestones), scaled to the largest
    domain, each a small SVG beside the domain's name on the page; in a right-to-left page
    the bars grow from the right. The names and the legend are the page's own text."""
    rows = by_domain(figures)
    most = max((r["total"] for r in rows), default=0) or 1
    width, height = 200, 14
    found = []
    for row in rows:
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'class="report-bar" aria-hidden="true" focusable="false">'
        ]
        x = 0.0
        other = row["total"] - row["done"] - row["late"]
        for count, colour in ((row["done"], DONE), (row["late"], LATE), (other, OTHER)):
            if count <= 0:
                continue
            length = width * count / most
            start = width - x - length if rtl else x
            parts.append(
                f'<rect x="{start:.1f}" y="0" width="{length:.1f}" height="{height}" '
                f'fill="{colour}"/>'
            )
            x += length
        parts.append("</svg>")
        found.append({**row, "svg": "".join(parts)})
    return found


def money_withheld() -> str:
    return _("Les montants sont réservés à ceux qui suivent les financements de ce périmètre.")


def _day(value: str) -> str:
    return format_date(date.fromisoformat(value), "medium")


def title(figures: dict) -> str:
    scope = named(figures["scope"]["name"]) or _("Programme")
    return _("Rapport de pilotage — %(scope)s", scope=scope)


def build_pdf(
    figures: dict, *, generated_at: datetime | None = None, show_money: bool = True
) -> bytes:
    words = texts()
    heading = title(figures)
    pdf = PdfDocument(heading)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.font("B", 15)
    pdf.multi_cell(0, 8, heading, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font("", 9)
    pdf.labelled(
        _("Période"),
        _("du %(start)s au %(end)s", start=_day(figures["start"]), end=_day(figures["end"])),
    )
    pdf.labelled(_("Chiffres du"), _day(figures["today"]))
    if generated_at is not None:
        pdf.labelled(_("Établi le"), format_date(generated_at, "medium"))

    pdf.heading(_("1. Avancement du plan par domaine et horizon"))
    _bars(pdf, figures)
    totals = figures["plan"]["totals"]
    pdf.grid(
        [
            _("Domaine"),
            _("Horizon"),
            _("Jalons"),
            _("Échéance dans la période"),
            _("Approuvés"),
            _("En retard"),
            _("Reportés dans la période"),
        ],
        [
            [
                named(r["domain"]),
                str(words["horizon"][r["horizon"]]),
                str(r["total"]),
                str(r["due"]),
                str(r["done"]),
                str(r["late"]),
                str(r["replanned"]),
            ]
            for r in figures["plan"]["rows"]
        ]
        + [
            [
                _("Total"),
                "",
                str(totals["total"]),
                str(totals["due"]),
                str(totals["done"]),
                str(totals["late"]),
                str(totals["replanned"]),
            ]
        ],
        [48, 26, 18, 26, 22, 20, 30],
    )

    pdf.heading(_("2. Indicateurs de couverture et cibles"))
    if figures["indicators"]:
        pdf.grid(
            [_("Indicateur"), _("Référence"), _("Actuel"), _("Cible"), _("Échéance"), _("État")],
            [
                [
                    named(i["name"]) + (f" ({i['district']})" if i["district"] else ""),
                    f"{i['baseline']} {named(i['unit'])}",
                    f"{i['current']} {named(i['unit'])}" if i["current"] is not None else "—",
                    f"{i['target']} {named(i['unit'])}",
                    _day(i["target_date"]),
                    str(words["state"][i["state"]]),
                ]
                for i in figures["indicators"]
            ],
            [52, 26, 26, 26, 26, 34],
        )
    else:
        pdf.line_text(_("Aucun indicateur ciblé."))

    pdf.heading(_("3. Engagements des organismes"))
    if figures["commitments"]:
        pdf.grid(
            [_("Organisme"), _("Tenus"), _("Dans les temps"), _("En retard"), _("Manqués")],
            [
                [
                    c["organization"],
                    str(c["met"]),
                    str(c["on_time"]),
                    str(c["late"]),
                    str(c["missed"]),
                ]
                for c in figures["commitments"]
            ],
            [60, 30, 35, 30, 35],
        )
    else:
        pdf.line_text(_("Aucun engagement."))

    pdf.heading(_("4. Financements"))
    money_figures = figures["money"]
    shown = (
        (_("Engagé"), "committed"),
        (_("Payé"), "paid"),
        (_("Reste à payer"), "outstanding"),
        (_("En retard de paiement"), "overdue"),
        (_("Contesté"), "disputed"),
    )
    if not show_money:
        pdf.line_text(money_withheld())
        shown = ()
    for label, key in shown:
        pdf.labelled(label, money(money_figures[key]))

    pdf.heading(_("5. Appels d'offres par étape"))
    if figures["tenders"]:
        pdf.grid(
            [_("Étape"), _("Appels d'offres")],
            [[str(words["stage"][t["stage"]]), str(t["count"])] for t in figures["tenders"]],
            [120, 70],
        )
    else:
        pdf.line_text(_("Aucun appel d'offres."))

    pdf.heading(_("6. Sites : où en est la sélection"))
    if figures["sites"]:
        pdf.grid(
            [_("Nature"), _("État"), _("Sites")],
            [
                [
                    str(words["site_kind"][s["kind"]]),
                    str(words["site_status"][s["status"]]),
                    str(s["count"]),
                ]
                for s in figures["sites"]
            ],
            [80, 80, 30],
        )
    else:
        pdf.line_text(_("Aucun site."))

    pdf.heading(_("7. Attentes des territoires et réponses du plan"))
    if figures["expectations"]:
        pdf.grid(
            [_("Domaine"), _("Attentes"), _("Avec une action"), _("Sans réponse")],
            [
                [named(e["domain"]), str(e["standing"]), str(e["answered"]), str(e["unanswered"])]
                for e in figures["expectations"]
            ],
            [80, 35, 40, 35],
        )
    else:
        pdf.line_text(_("Aucune attente recensée."))

    pdf.heading(_("8. Décisions de la période"))
    if figures["decisions"]:
        pdf.grid(
            [_("Date"), _("Instance"), _("Point"), _("Décision")],
            [[_day(d["day"]), d["body"], d["title"], d["text"]] for d in figures["decisions"]],
            [24, 42, 54, 70],
        )
    else:
        pdf.line_text(_("Aucune décision dans la période."))

    pdf.heading(_("9. Actions de suivi"))
    counts = figures["actions"]["counts"]
    pdf.line_text(
        _(
            "%(open)d en cours, dont %(late)d en retard ; %(done)d réalisées dans la période.",
            open=counts["open"],
            late=counts["late"],
            done=counts["done"],
        )
    )
    if figures["actions"]["items"]:
        pdf.grid(
            [_("Action"), _("Responsable"), _("Échéance"), _("État")],
            [
                [
                    a["title"],
                    a["organization"],
                    _day(a["due_on"]),
                    str(words["action"][a["status"]]),
                ]
                for a in figures["actions"]["items"]
            ],
            [90, 35, 30, 35],
        )
    return bytes(pdf.output())


def _bars(pdf: PdfDocument, figures: dict) -> None:
    """The plan chart drawn in the PDF: a bar per domain, its name on the reading side."""
    rows = by_domain(figures)
    if not rows:
        pdf.line_text(_("Aucun jalon."))
        return
    most = max(r["total"] for r in rows) or 1
    label_width, bar_width, height = 55, 120, 5
    for row in rows:
        y = pdf.get_y()
        name_x = pdf.w - pdf.r_margin - label_width if pdf.rtl else pdf.l_margin
        bar_x = pdf.l_margin if pdf.rtl else pdf.l_margin + label_width
        pdf.set_xy(name_x, y)
        pdf.cell(label_width, height, named(row["domain"])[:40], align=pdf.align)
        other = row["total"] - row["done"] - row["late"]
        x = bar_x
        for count, colour in ((row["done"], DONE), (row["late"], LATE), (other, OTHER)):
            if count <= 0:
                continue
            length = bar_width * count / most
            red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            pdf.set_fill_color(red, green, blue)
            pdf.rect(x, y + 0.5, length, height - 1, style="F")
            x += length
        pdf.set_xy(pdf.l_margin, y + height + 1)
    pdf.set_fill_color(255, 255, 255)
    pdf.line_text(_("Vert : approuvés ; rouge : en retard ; gris : les autres jalons du domaine."))
    pdf.ln(2)
