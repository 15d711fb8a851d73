from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal import labels
from portal.forms.fields import FilterSelectField, LineField, RecordField
from portal.models.finance import AgreementPurpose, AgreementStatus, AssetKind, KeyBasis
from portal.models.types import valid_id
from portal.names import local
from portal.services.finance import (
    AGREEMENT_LABELS,
    ASSET_LABELS,
    FREQUENCY_LABELS,
    MAX_INSTALLMENTS,
    PURPOSE_LABELS,
    AgreementCriteria,
    AssetCriteria,
    InstallmentCriteria,
)


def _frequency_choices():
    return [Choice(key, str(label)) for key, label in FREQUENCY_LABELS.items()]


class AgreementForm(FlaskForm):
    city_id = RecordField(_l("Ville"), validators=[DataRequired()])
    payer_id = RecordField(_l("Payeur"), validators=[DataRequired()])
    payee_id = RecordField(_l("Bénéficiaire"), validators=[DataRequired()])
    purpose = SelectField(_l("Nature"), validators=[DataRequired()])
    title = LineField(_l("Intitulé"), validators=[DataRequired(), Length(max=200)])
    action_id = RecordField(_l("Action du plan (facultatif)"), validate_choice=False)
    asset_id = RecordField(_l("Infrastructure partagée (facultatif)"), validate_choice=False)
    total = LineField(_l("Montant total (MAD)"), validators=[DataRequired(), Length(max=30)])
    start_date = DateField(_l("Date de début"), validators=[DataRequired()])
    convention_reference = LineField(
        _l("Référence de la convention"), validators=[Optional(), Length(max=80)]
    )
    version = HiddenField()

    def set_choices(self, cities, organizations, actions, assets) -> None:
        self.city_id.choices = [Choice(c.id, local(c)) for c in cities]
        people = [Choice(o.id, f"{o.short_name} — {local(o)}") for o in organizations]
        self.payer_id.choices = people
        self.payee_id.choices = people
        self.purpose.choices = [Choice(p.value, str(PURPOSE_LABELS[p])) for p in AgreementPurpose]
        self.action_id.choices = [Choice(0, "—")] + [
            Choice(a.id, f"{a.code} — {a.title}") for a in actions
        ]
        self.asset_id.choices = [Choice(0, "—")] + [
            Choice(a.id, f"{local(a.city)} — {a.name}") for a in assets
        ]


class DocumentForm(FlaskForm):
    document = FileField(_l("Convention signée (PDF, DOCX, PNG, JPEG)"))


class ScheduleForm(FlaskForm):
    frequency = SelectField(_l("Périodicité"), validators=[DataRequired()])
    count = IntegerField(
        _l("Nombre d'échéances"),
        validators=[DataRequired(), NumberRange(min=1, max=MAX_INSTALLMENTS)],
    )
    first_due = DateField(_l("Première échéance"), validators=[DataRequired()])
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequency.choices = _frequency_choices()


class ManualScheduleForm(FlaskForm):
    """The lines themselves come as repeated `due_date` and `amount` fields."""

    version = HiddenField()


class SignForm(FlaskForm):
    signed_on = DateField(_l("Signée le"), validators=[DataRequired()])
    convention_reference = LineField(
        _l("Référence de la convention"), validators=[DataRequired(), Length(max=80)]
    )
    version = HiddenField()


class TerminateForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif de la résiliation"), validators=[DataRequired(), Length(max=2000)]
    )
    version = HiddenField()


class InstallmentActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    reference = LineField(_l("Référence"), validators=[Optional(), Length(max=80)])
    day = DateField(_l("Date"), validators=[Optional()])
    reason = LineField(_l("Motif"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()


class AssetForm(FlaskForm):
    city_id = RecordField(_l("Ville"), validators=[DataRequired()])
    owner_id = RecordField(_l("Propriétaire"), validators=[DataRequired()])
    kind = SelectField(_l("Type"), validators=[DataRequired()])
    name = LineField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    capacity = LineField(_l("Longueur ou capacité"), validators=[Optional(), Length(max=30)])
    capacity_unit = LineField(
        _l("Unité (km, fourreaux, emplacements…)"), validators=[Optional(), Length(max=40)]
    )
    capital_cost = LineField(
        _l("Coût d'investissement (MAD)"), validators=[DataRequired(), Length(max=30)]
    )
    yearly_operating_cost = LineField(
        _l("Coût d'exploitation annuel (MAD)"), validators=[Optional(), Length(max=30)]
    )
    version = HiddenField()

    def set_choices(self, cities, organizations) -> None:
        self.city_id.choices = [Choice(c.id, local(c)) for c in cities]
        self.owner_id.choices = [
            Choice(o.id, f"{o.short_name} — {local(o)}") for o in organizations
        ]
        self.kind.choices = [Choice(k.value, str(ASSET_LABELS[k])) for k in AssetKind]


class GenerateForm(FlaskForm):
    start_date = DateField(_l("Première échéance"), validators=[DataRequired()])
    frequency = SelectField(_l("Périodicité"), validators=[DataRequired()])
    count = IntegerField(
        _l("Nombre d'échéances (investissement)"),
        validators=[DataRequired(), NumberRange(min=1, max=MAX_INSTALLMENTS)],
    )
    operating_years = IntegerField(
        _l("Années d'exploitation à facturer (0 pour aucune)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=30)],
    )
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequency.choices = _frequency_choices()


class KeyForm(GenerateForm):
    """The lines come as repeated `organization_id` and `weight` fields."""

    basis = RadioField(
        _l("Répartition"),
        choices=[
            Choice(KeyBasis.PERCENT.value, _l("En pourcentages (total exactement 100)")),
            Choice(KeyBasis.UNITS.value, _l("En unités d'usage (converties en pourcentages)")),
        ],
        validators=[DataRequired()],
    )
    on_existing = RadioField(
        _l("Conventions déjà générées avec la clé actuelle"),
        choices=[
            Choice("keep", _l("Les garder telles quelles (leurs montants ne changent pas)")),
            Choice("regenerate", _l("Les résilier et générer de nouvelles conventions")),
        ],
        validators=[Optional()],
    )
    # Generation settings only matter when regenerating.
    start_date = DateField(_l("Première échéance"), validators=[Optional()])
    frequency = SelectField(_l("Périodicité"), validators=[Optional()])
    count = IntegerField(
        _l("Nombre d'échéances (investissement)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_INSTALLMENTS)],
    )


class _Filters(FlaskForm):
    class Meta:
        csrf = False

    city = FilterSelectField(_l("Ville"), validators=[Optional()])
    organization = FilterSelectField(_l("Organisme"), validators=[Optional()])

    def set_choices(self, cities, organizations) -> None:
        everyone = [Choice("", str(_l("Tous")))]
        self.city.choices = [Choice("", str(_l("Toutes")))] + [
            Choice(str(c.id), local(c)) for c in cities
        ]
        self.organization.choices = everyone + [
            Choice(str(o.id), o.short_name) for o in organizations
        ]


class AgreementFilterForm(_Filters):
    status = FilterSelectField(_l("État"), validators=[Optional()])
    purpose = FilterSelectField(_l("Nature"), validators=[Optional()])

    def set_choices(self, cities, organizations) -> None:
        super().set_choices(cities, organizations)
        everyone = [Choice("", str(_l("Tous")))]
        self.status.choices = everyone + [
            Choice(s.value, str(AGREEMENT_LABELS[s])) for s in AgreementStatus
        ]
        self.purpose.choices = everyone + [
            Choice(p.value, str(PURPOSE_LABELS[p])) for p in AgreementPurpose
        ]

    def criteria(self) -> AgreementCriteria:
        if not self.validate():
            return AgreementCriteria(valid=False)
        return AgreementCriteria(
            city_id=valid_id(self.city.data),
            organization_id=valid_id(self.organization.data),
            status=AgreementStatus(self.status.data) if self.status.data else None,
            purpose=AgreementPurpose(self.purpose.data) if self.purpose.data else None,
        )


WHEN_LABELS = labels.INSTALLMENT_WHEN_LABELS


class InstallmentFilterForm(_Filters):
    when = FilterSelectField(_l("Échéances"), validators=[Optional()])

    def set_choices(self, cities, organizations) -> None:
        super().set_choices(cities, organizations)
        self.when.choices = [Choice(key, str(label)) for key, label in WHEN_LABELS.items()]

    def criteria(self) -> InstallmentCriteria:
        if not self.validate():
            return InstallmentCriteria(valid=False)
        return InstallmentCriteria(
            when=self.when.data or "open",
            city_id=valid_id(self.city.data),
            organization_id=valid_id(self.organization.data),
        )


class BalanceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    city = FilterSelectField(_l("Périmètre"), validators=[Optional()])

    def set_choices(self, cities) -> None:
        self.city.choices = [Choice("", str(_l("Tout le programme")))] + [
            Choice(str(c.id), local(c)) for c in cities
        ]


class AssetFilterForm(FlaskForm):
    class Meta:
        csrf = False

    city = FilterSelectField(_l("Ville"), validators=[Optional()])
    kind = FilterSelectField(_l("Type"), validators=[Optional()])

    def set_choices(self, cities) -> None:
        self.city.choices = [Choice("", str(_l("Toutes")))] + [
            Choice(str(c.id), local(c)) for c in cities
        ]
        self.kind.choices = [Choice("", str(_l("Tous")))] + [
            Choice(k.value, str(ASSET_LABELS[k])) for k in AssetKind
        ]

    def criteria(self) -> AssetCriteria:
        if not self.validate():
            return AssetCriteria(valid=False)
        return AssetCriteria(
            city_id=valid_id(self.city.data),
            kind=AssetKind(self.kind.data) if self.kind.data else None,
        )
