from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, MonthField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, Length, Optional

from portal.forms.fields import CheckboxListField, LineField, RecordField, RecordListField
from portal.labels import CHANNEL_LABELS, MATURITY_LABELS
from portal.names import local

LEVEL_CHOICES = [Choice(str(int(level)), label) for level, label in MATURITY_LABELS.items()]


class ServiceForm(FlaskForm):
    name = LineField(_l("Service"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    provider_id = RecordField(_l("Organisme qui le rend"), validators=[DataRequired()])
    domain_id = RecordField(_l("Domaine"), validators=[DataRequired()])
    channels = CheckboxListField(
        _l("Canaux"), choices=[Choice(c.value, label) for c, label in CHANNEL_LABELS.items()]
    )
    baseline_level = SelectField(_l("Maturité au diagnostic"), choices=LEVEL_CHOICES)
    baseline_on = DateField(_l("Date du diagnostic"), validators=[DataRequired()])
    level = SelectField(_l("Maturité actuelle"), choices=LEVEL_CHOICES)
    level_on = DateField(_l("Au"), validators=[DataRequired()])
    action_id = RecordField(_l("Action du plan qui le fait évoluer"), validators=[Optional()])
    target_level = SelectField(
        _l("Niveau visé"), choices=[Choice("", "—"), *LEVEL_CHOICES], validators=[Optional()]
    )
    version = HiddenField()

    def set_choices(self, organizations, domains, actions) -> None:
        self.provider_id.choices = [
            Choice(o.id, f"{local(o)} ({o.short_name})") for o in organizations
        ]
        self.domain_id.choices = [Choice(d.id, local(d)) for d in domains]
        self.action_id.choices = [Choice(0, "—")] + [
            Choice(a.id, f"{a.code} — {a.title}") for a in actions
        ]


class UseForm(FlaskForm):
    month = MonthField(_l("Mois"), validators=[DataRequired()])
    volume = LineField(_l("Nombre d'utilisations"), validators=[DataRequired(), Length(max=20)])
    version = HiddenField()


SCALE = [Choice(str(n), str(n)) for n in range(1, 6)]


class ExpectationForm(FlaskForm):
    domain_id = RecordField(_l("Domaine"), validators=[DataRequired()])
    district = LineField(_l("Quartier (vide : toute la ville)"), validators=[Length(max=120)])
    text = TextAreaField(_l("Attente"), validators=[DataRequired(), Length(max=2000)])
    source = SelectField(
        _l("Exprimée par"),
        choices=[
            Choice("organization", _l("Un organisme du portail")),
            Choice("workshop", _l("Un atelier")),
        ],
    )
    organization_id = RecordField(_l("Organisme"), validators=[Optional()])
    workshop = LineField(_l("Atelier (nom et date)"), validators=[Length(max=200)])
    importance = SelectField(_l("Importance (1 à 5)"), choices=SCALE, default="3")
    population = LineField(_l("Population concernée"), validators=[DataRequired(), Length(max=20)])
    version = HiddenField()

    def set_choices(self, domains, organizations) -> None:
        self.domain_id.choices = [Choice(d.id, local(d)) for d in domains]
        self.organization_id.choices = [Choice(0, "—")] + [
            Choice(o.id, f"{local(o)} ({o.short_name})") for o in organizations
        ]


class QualifyForm(FlaskForm):
    feasibility = SelectField(_l("Faisabilité (1 à 5)"), choices=SCALE, default="3")
    version = HiddenField()


class AnswerForm(FlaskForm):
    action_ids = RecordListField(_l("Actions du plan qui y répondent"), validators=[Optional()])
    version = HiddenField()


class MergeForm(FlaskForm):
    into_id = RecordField(_l("Fusionner dans l'attente"), validators=[DataRequired()])
    version = HiddenField()


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Motif du rejet"), validators=[DataRequired(), Length(max=2000)])
    version = HiddenField()


class InfrastructureForm(FlaskForm):
    kind = SelectField(_l("Nature"))
    name = LineField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    owner_id = RecordField(_l("Propriétaire"), validators=[DataRequired()])
    quantity = LineField(
        _l("Quantité (km pour la fibre et les fourreaux, sinon nombre)"),
        validators=[DataRequired(), Length(max=20)],
    )
    latitude = LineField(_l("Latitude"), validators=[Length(max=20)])
    longitude = LineField(_l("Longitude"), validators=[Length(max=20)])
    path = TextAreaField(
        _l("Tracé : un point par ligne, « latitude, longitude »"), validators=[Length(max=10_000)]
    )
    asset_id = RecordField(_l("Infrastructure partagée (si mutualisée)"), validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    version = HiddenField()

    def set_choices(self, organizations, assets) -> None:
        from portal.labels import INFRASTRUCTURE_LABELS

        self.kind.choices = [Choice(k.value, label) for k, label in INFRASTRUCTURE_LABELS.items()]
        self.owner_id.choices = [
            Choice(o.id, f"{local(o)} ({o.short_name})") for o in organizations
        ]
        self.asset_id.choices = [Choice(0, "—")] + [Choice(a.id, a.name) for a in assets]


class ConsultationForm(FlaskForm):
    title = LineField(_l("Titre"), validators=[DataRequired(), Length(max=200)])
    title_en = LineField(_l("Titre en anglais"), validators=[Length(max=200)])
    title_ar = LineField(_l("Titre en arabe"), validators=[Length(max=200)])
    introduction = TextAreaField(_l("Présentation"), validators=[Length(max=5000)])
    introduction_en = TextAreaField(_l("Présentation en anglais"), validators=[Length(max=5000)])
    introduction_ar = TextAreaField(_l("Présentation en arabe"), validators=[Length(max=5000)])
    districts = TextAreaField(
        _l("Quartiers proposés, un par ligne"), validators=[Length(max=10_000)]
    )
    opens_on = DateField(_l("Ouverture"), validators=[DataRequired()])
    closes_on = DateField(_l("Dernier jour"), validators=[DataRequired()])
    version = HiddenField()


class PublicExpectationForm(FlaskForm):
    """What a resident fills in, without an account."""

    domain_id = SelectField(_l("Domaine"), validators=[DataRequired()])
    district = SelectField(_l("Quartier"), validate_choice=False)
    text = TextAreaField(_l("Votre attente"), validators=[DataRequired(), Length(max=1000)])
    email = EmailField(
        _l("Votre adresse e-mail (facultatif)"), validators=[Optional(), Length(max=254)]
    )
    # The honeypot: hidden from people, filled by programs that fill every field.
    website = LineField(_l("Ne pas remplir"), validators=[Length(max=200)])

    def set_choices(self, domains, districts) -> None:
        self.domain_id.choices = [Choice("", "—")] + [Choice(str(d.id), local(d)) for d in domains]
        self.district.choices = [Choice("", _l("Toute la ville"))] + [
            Choice(d, d) for d in districts
        ]


class SupportForm(FlaskForm):
    email = EmailField(
        _l("Votre adresse e-mail (facultatif)"), validators=[Optional(), Length(max=254)]
    )


class PublishForm(FlaskForm):
    text = TextAreaField(_l("Texte publié"), validators=[DataRequired(), Length(max=1000)])
    importance = SelectField(_l("Importance (1 à 5)"), choices=SCALE, default="3")
    population = LineField(_l("Population concernée"), validators=[DataRequired(), Length(max=20)])
    version = HiddenField()
