from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, Length, Optional

from portal.forms.fields import LineField, RecordField
from portal.labels import INVESTMENT_MODEL_LABELS, LINE_KIND_LABELS, TRANSFER_KIND_LABELS
from portal.models.scenarios import InvestmentModel, LineKind, TransferKind

NONE = Choice(0, "—")


class ScenarioForm(FlaskForm):
    name = LineField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20_000)])
    investment_model = SelectField(
        _l("Modèle d'investissement"),
        choices=[Choice(m.value, label) for m, label in INVESTMENT_MODEL_LABELS.items()],
        validators=[DataRequired()],
        default=InvestmentModel.PUBLIC_OPERATION.value,
    )
    horizon_years = LineField(
        _l("Horizon (années)"), validators=[DataRequired(), Length(max=4)], default="20"
    )
    discount_rate = LineField(
        _l("Taux d'actualisation (%)"), validators=[DataRequired(), Length(max=12)], default="6"
    )
    version = HiddenField()


class PartyForm(FlaskForm):
    organization_id = RecordField(_l("Organisme du portail"), validators=[Optional()])
    name = LineField(
        _l("Nom dans le scénario (vide : le sigle de l'organisme)"),
        validators=[Length(max=120)],
    )
    role = TextAreaField(_l("Rôle"), validators=[Length(max=2000)])
    version = HiddenField()

    def set_choices(self, organizations) -> None:
        self.organization_id.choices = [NONE] + [Choice(o.id, o.short_name) for o in organizations]


class LineForm(FlaskForm):
    label = LineField(_l("Libellé"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Nature"),
        choices=[Choice(k.value, label) for k, label in LINE_KIND_LABELS.items()],
        validators=[DataRequired()],
        default=LineKind.CAPEX.value,
    )
    party_id = RecordField(_l("Partie qui paie ou reçoit"), validators=[Optional()])
    transfer_kind = SelectField(
        _l("Type de transfert"),
        choices=[Choice(k.value, label) for k, label in TRANSFER_KIND_LABELS.items()],
        default=TransferKind.RENTAL_FEE.value,
    )
    source_id = RecordField(_l("Payé par (transfert)"), validators=[Optional()])
    target_id = RecordField(_l("Reçu par (transfert)"), validators=[Optional()])
    start_year = LineField(
        _l("Année de début"), validators=[DataRequired(), Length(max=4)], default="0"
    )
    end_year = LineField(_l("Année de fin (vide : la même)"), validators=[Length(max=4)])
    amount = LineField(_l("Montant par an (MAD)"), validators=[DataRequired(), Length(max=30)])
    growth = LineField(_l("Croissance annuelle (%)"), validators=[Length(max=12)], default="0")
    version = HiddenField()

    def set_choices(self, parties) -> None:
        choices = [NONE] + [Choice(p.id, p.name) for p in parties]
        for field in (self.party_id, self.source_id, self.target_id):
            field.choices = choices


class MoveForm(FlaskForm):
    move = HiddenField(validators=[DataRequired()])
    note = TextAreaField(
        _l("Motif (obligatoire pour un renvoi)"), validators=[Optional(), Length(max=5000)]
    )
    version = HiddenField()


def setup_form(scenario, indicators) -> FlaskForm:
    """Who owns and operates each layer, who bears each risk, the coverage delivered: one
    field per cell, filled from the scenario."""
    from portal.labels import LAYER_LABELS, MEASURE_LABELS, RISK_LABELS
    from portal.names import local

    parties = [NONE] + [Choice(p.id, p.name) for p in scenario.parties]
    layers = {row.layer: row for row in scenario.layers}
    risks = {row.risk: row for row in scenario.risks}
    coverage = {row.measure: row for row in scenario.coverage}
    fields = {"version": HiddenField()}
    for layer in LAYER_LABELS:
        row = layers.get(layer)
        fields[f"owner_{layer.value}"] = RecordField(
            _l("Propriétaire"), choices=parties, default=row.owner_id if row else 0
        )
        fields[f"operator_{layer.value}"] = RecordField(
            _l("Exploitant"), choices=parties, default=row.operator_id if row else 0
        )
    for risk in RISK_LABELS:
        row = risks.get(risk)
        fields[f"bearer_{risk.value}"] = RecordField(
            _l("Porté par"),
            choices=[Choice(0, _l("Partagé")), *parties[1:]],
            default=row.bearer_id if row and row.bearer_id else 0,
        )
        fields[f"note_{risk.value}"] = LineField(
            _l("Comment"), validators=[Length(max=300)], default=row.note if row else ""
        )
    choices = [NONE] + [Choice(i.id, local(i)) for i in indicators]
    for measure in MEASURE_LABELS:
        row = coverage.get(measure)
        fields[f"quantity_{measure.value}"] = LineField(
            _l("Nombre"), validators=[Length(max=20)], default=str(row.quantity) if row else ""
        )
        fields[f"indicator_{measure.value}"] = RecordField(
            _l("Indicateur de couverture"),
            choices=choices,
            default=row.indicator_id if row and row.indicator_id else 0,
        )

    def values(self) -> dict:
        def data(name):
            return getattr(self, name).data

        return {
            "layers": {
                layer.value: (data(f"owner_{layer.value}"), data(f"operator_{layer.value}"))
                for layer in LAYER_LABELS
            },
            "risks": {
                risk.value: (data(f"bearer_{risk.value}"), data(f"note_{risk.value}"))
                for risk in RISK_LABELS
            },
            "coverage": {
                m.value: (data(f"quantity_{m.value}"), data(f"indicator_{m.value}"))
                for m in MEASURE_LABELS
            },
        }

    return type("SetupForm", (FlaskForm,), {**fields, "values": values})()


class CopyForm(FlaskForm):
    source_id = RecordField(_l("Copier les lignes du scénario"), validators=[DataRequired()])
    version = HiddenField()


class AssetForm(FlaskForm):
    asset_id = RecordField(_l("Infrastructure partagée"), validators=[DataRequired()])
    party_id = RecordField(_l("Partie qui en porte les coûts"), validators=[DataRequired()])
    version = HiddenField()
