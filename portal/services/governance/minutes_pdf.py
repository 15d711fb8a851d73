"""The adopted minutes as a PDF in the active language, written from their frozen record."""

from datetime import date, datetime

from flask_babel import format_date, format_time
from flask_babel import gettext as _
from fpdf.enums import XPos, YPos

from portal.labels import MEMBER_ROLE_LABELS, OUTCOME_LABELS, PRESENCE_LABELS
from portal.models.governance import MemberRole, Outcome, Presence
from portal.names import language
from portal.services.documents import PdfDocument
from portal.services.governance.meetings import AGENDA_LABELS
from portal.services.governance.transitions import label_of


def body_name(record: dict) -> str:
    names = record["body"]
    return names.get(language()) or names["fr"]


def build(record: dict) -> bytes:
    starts = datetime.fromisoformat(record["starts_at"])
    ends = datetime.fromisoformat(record["ends_at"])
    name = body_name(record)
    pdf = PdfDocument(_("Procès-verbal — %(body)s", body=name))
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.font("B", 15)
    pdf.multi_cell(
        0,
        8,
        _("Procès-verbal de la réunion du %(day)s", day=format_date(starts, "long")),
        align=pdf.align,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.font("B", 11)
    pdf.multi_cell(0, 6, name, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font("", 9)
    pdf.labelled(
        _("Horaire"),
        _(
            "de %(start)s à %(end)s, heure du Maroc",
            start=format_time(starts, "HH:mm"),
            end=format_time(ends, "HH:mm"),
        ),
    )
    for label, value in (
        (_("Lieu"), record["place"]),
        (_("Visioconférence"), record["video_link"]),
    ):
        if value:
            pdf.labelled(label, value)
    if record["adopted_at"]:
        pdf.labelled(
            _("Adopté"),
            _(
                "le %(day)s par %(name)s",
                day=format_date(datetime.fromisoformat(record["adopted_at"]), "long"),
                name=record["adopted_by"],
            ),
        )

    pdf.heading(_("1. Présence"))
    quorum = record["quorum"]
    pdf.line_text(
        _(
            "Quorum : %(present)d présents sur %(required)d requis parmi les membres votants.",
            present=quorum["present"],
            required=quorum["required"],
        )
    )
    pdf.grid(
        [_("Membre"), _("Organisme"), _("Rôle"), _("Présence")],
        [
            [
                m["name"],
                m["organization"],
                str(MEMBER_ROLE_LABELS[MemberRole(m["role"])]) if m["role"] else "—",
                str(PRESENCE_LABELS[Presence(m["presence"])]) if m["presence"] else "—",
            ]
            for m in record["members"]
        ],
        [60, 30, 40, 50],
    )

    pdf.heading(_("2. Ordre du jour et suites données"))
    for item in record["items"]:
        pdf.font("B", 9)
        kind = AGENDA_LABELS.get(item["source"])
        title = f"{item['position']}. " + (f"{kind} : {item['title']}" if kind else item["title"])
        pdf.line_text(title)
        pdf.font("", 9)
        if item["note"]:
            pdf.line_text(item["note"])
        if item["outcome"]:
            pdf.labelled(str(OUTCOME_LABELS[Outcome(item["outcome"])]), item["outcome_text"])
        else:
            pdf.line_text(_("Sans suite notée."))
        if item["carried_out"]:
            pdf.labelled(
                _("Exécutée sur l'objet"), str(label_of(item["source"], item["carried_out"]))
            )
        pdf.ln(1)

    pdf.heading(_("3. Actions de suivi"))
    if record["actions"]:
        pdf.grid(
            [_("Action"), _("Responsable"), _("Échéance")],
            [
                [
                    a["title"],
                    f"{a['organization']} — {a['person']}" if a["person"] else a["organization"],
                    format_date(date.fromisoformat(a["due_on"]), "medium"),
                ]
                for a in record["actions"]
            ],
            [100, 55, 35],
        )
    else:
        pdf.line_text(_("Aucune action de suivi."))

    pdf.heading(_("4. Compte rendu"))
    pdf.line_text(record["text"] or "—")
    if record["erratum"]:
        pdf.heading(
            _(
                "Erratum au procès-verbal de la réunion du %(day)s",
                day=format_date(datetime.fromisoformat(record["erratum_of"]), "long"),
            )
        )
        pdf.line_text(record["erratum"])
    return bytes(pdf.output())
