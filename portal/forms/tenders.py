from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal import labels
from portal.forms.fields import FilterSelectField, LineField, RecordField
from portal.models.tenders import (
    FinancialMethod,
    Normalization,
    Procedure,
    TenderCategory,
    TenderStage,
)
from portal.names import local
from portal.services.tenders import Criteria

CATEGORY_LABELS = labels.TENDER_CATEGORY_LABELS
PROCEDURE_LABELS = labels.PROCEDURE_LABELS
METHOD_LABELS = labels.FINANCIAL_METHOD_LABELS
NORMALIZATION_LABELS = labels.NORMALIZATION_LABELS


class TenderForm(FlaskForm):
    reference = LineField(_l("Référence"), validators=[DataRequired(), Length(max=60)])
    title = LineField(_l("Objet du marché"), validators=[DataRequired(), Length(max=200)])
    city_id = RecordField(_l("Ville"), validate_choice=False)
    action_id = RecordField(_l("Action du plan (facultatif)"), validate_choice=False)
    category = SelectField(_l("Catégorie"), validators=[DataRequired()])
    procedure = SelectField(_l("Procédure"), validators=[DataRequired()])
    estimate = LineField(_l("Estimation (MAD)"), validators=[DataRequired(), Length(max=30)])
    publication_date = DateField(_l("Publication"), validators=[Optional()])
    submission_deadline = DateTimeLocalField(
        _l("Date limite de remise des offres"), validators=[Optional()]
    )
    opening_session = DateTimeLocalField(_l("Séance d'ouverture des plis"), validators=[Optional()])
    evaluation_due = DateField(_l("Évaluation attendue pour le"), validators=[Optional()])
    version = HiddenField()

    def set_choices(self, cities, actions) -> None:
        self.city_id.choices = [Choice(0, str(_l("Tout le programme")))] + [
            Choice(c.id, local(c)) for c in cities
        ]
        self.action_id.choices = [Choice(0, "—")] + [
            Choice(a.id, f"{a.code} — {a.title}") for a in actions
        ]
        self.category.choices = [Choice(c.value, str(CATEGORY_LABELS[c])) for c in TenderCategory]
        self.procedure.choices = [Choice(p.value, str(PROCEDURE_LABELS[p])) for p in Procedure]


class SpecificationForm(FlaskForm):
    criteria = TextAreaField(
        _l("Grille de critères"), validators=[DataRequired(), Length(max=20000)]
    )
    method = SelectField(_l("Méthode financière"), validators=[DataRequired()])
    technical_weight = LineField(_l("Pondération technique (0 à 1)"), validators=[Optional()])
    financial_weight = LineField(_l("Pondération financière (0 à 1)"), validators=[Optional()])
    technical_threshold = LineField(_l("Seuil technique (sur 100)"), validators=[Optional()])
    normalization = SelectField(_l("Normalisation des notes techniques"))
    decimals = IntegerField(
        _l("Décimales publiées"), default=2, validators=[InputRequired(), NumberRange(0, 6)]
    )
    excessive_above = LineField(_l("Offre excessive au-delà de (+ %)"), default="20")
    abnormal_below_works = LineField(_l("Anormalement basse, travaux (− %)"), default="20")
    abnormal_below_other = LineField(
        _l("Anormalement basse, fournitures et services (− %)"), default="25"
    )
    spread_limit = LineField(
        _l("Écart signalé au-delà de (en pourcentage du maximum)"), default="20"
    )
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = [Choice(m.value, str(METHOD_LABELS[m])) for m in FinancialMethod]
        self.normalization.choices = [
            Choice(n.value, str(NORMALIZATION_LABELS[n])) for n in Normalization
        ]


class VersionForm(FlaskForm):
    """A form whose lines are repeated fields read from the request (lots, committee,
    checks, scores): only the CSRF token and the version it was loaded with."""

    version = HiddenField()


class DeclarationForm(FlaskForm):
    conflict = SelectField(
        _l("Déclaration"),
        # Nothing chosen for the member: a declaration is signed, never defaulted.
        choices=[
            Choice("", _l("— Choisissez votre déclaration —")),
            Choice(
                "no", _l("Je déclare n'avoir aucun conflit d'intérêts avec les soumissionnaires")
            ),
            Choice("yes", _l("Je déclare un conflit d'intérêts et me récuse")),
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Précisions (obligatoires en cas de conflit)"), validators=[Optional(), Length(max=2000)]
    )


class BidForm(FlaskForm):
    price = LineField(_l("Offre financière (MAD)"), validators=[DataRequired(), Length(max=30)])
    documents = MultipleFileField(_l("Offre technique (PDF, DOCX, XLSX)"))


class StageForm(FlaskForm):
    to_stage = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Observation"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()


class ConsensusForm(FlaskForm):
    bid_id = HiddenField(validators=[DataRequired()])
    criterion_id = HiddenField(validators=[DataRequired()])
    points = LineField(_l("Note de consensus"), validators=[DataRequired(), Length(max=12)])
    reason = LineField(_l("Motif"), validators=[DataRequired(), Length(max=2000)])


class TenderFilterForm(FlaskForm):
    class Meta:
        csrf = False

    stage = FilterSelectField(_l("Étape"), validators=[Optional()])
    city = FilterSelectField(_l("Ville"), validators=[Optional()])

    def set_choices(self, stages, cities) -> None:
        self.stage.choices = [Choice("", str(_l("Toutes")))] + [
            Choice(s.value, str(label)) for s, label in stages.items()
        ]
        self.city.choices = [Choice("", str(_l("Toutes")))] + [
            Choice(str(c.id), local(c)) for c in cities
        ]

    def criteria(self) -> Criteria:
        if not self.validate():
            return Criteria(valid=False)
        return Criteria(
            stage=TenderStage(self.stage.data) if self.stage.data else None,
            city_id=int(self.city.data) if self.city.data else None,
        )
