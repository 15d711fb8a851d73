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
