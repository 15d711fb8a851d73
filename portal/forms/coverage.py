from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.forms.fields import (
    FilterSelectField,
    LineField,
    RecordField,
    RecordListField,
    named_in_languages,
)
from portal.models.coverage import SiteKind, SiteStatus
from portal.names import local
from portal.services.coverage import KIND_LABELS, STATUS_LABELS, SiteCriteria


class IndicatorForm(FlaskForm, named_in_languages(200, units=True)):
    code = LineField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = LineField(_l("Intitulé"), validators=[DataRequired(), Length(max=200)])
    unit = LineField(_l("Unité"), validators=[DataRequired(), Length(max=40)])
    domain_id = RecordField(_l("Domaine"), validators=[DataRequired()])
    description = TextAreaField(_l("Définition et mode de calcul"), validators=[Length(max=5000)])
    higher_is_better = BooleanField(_l("Plus la valeur est haute, mieux c'est"), default=True)
    position = IntegerField(
        _l("Ordre d'affichage"), default=0, validators=[Optional(), NumberRange(0, 10_000)]
    )
    version = HiddenField()

    def set_choices(self, domains) -> None:
        self.domain_id.choices = [Choice(d.id, local(d)) for d in domains]


class TargetForm(FlaskForm):
    indicator_id = RecordField(_l("Indicateur"), validators=[DataRequired()])
    district = LineField(
        _l("Quartier ou arrondissement (vide : toute la ville)"), validators=[Length(max=120)]
    )
    baseline_value = LineField(
        _l("Valeur de départ (diagnostic)"), validators=[DataRequired(), Length(max=30)]
    )
    baseline_date = DateField(_l("Date du diagnostic"), validators=[DataRequired()])
    target_value = LineField(_l("Valeur cible"), validators=[DataRequired(), Length(max=30)])
    target_date = DateField(_l("À atteindre le"), validators=[DataRequired()])
    version = HiddenField()

    def set_choices(self, indicators) -> None:
        self.indicator_id.choices = [
            Choice(i.id, f"{local(i)} ({local(i, 'unit')})") for i in indicators
        ]


class MeasurementForm(FlaskForm):
    value = LineField(_l("Valeur mesurée"), validators=[DataRequired(), Length(max=30)])
    measured_on = DateField(_l("Mesurée le"), validators=[DataRequired()])
    source = LineField(_l("Source"), validators=[DataRequired(), Length(max=300)])


class MeasurementDeleteForm(FlaskForm):
    """Only the CSRF token: the measurement is in the URL."""


class SiteForm(FlaskForm):
    city_id = RecordField(_l("Ville"), validators=[DataRequired()])
    district = LineField(
        _l("Quartier ou arrondissement"), validators=[DataRequired(), Length(max=120)]
    )
    kind = SelectField(_l("Type"), validators=[DataRequired()])
    name = LineField(_l("Nom du site"), validators=[DataRequired(), Length(max=200)])
    address = LineField(_l("Adresse"), validators=[DataRequired(), Length(max=300)])
    latitude = LineField(_l("Latitude"), validators=[DataRequired(), Length(max=20)])
    longitude = LineField(_l("Longitude"), validators=[DataRequired(), Length(max=20)])
    host_organization_id = RecordField(_l("Organisme d'accueil"), validators=[DataRequired()])
    estimated_cost = LineField(_l("Coût estimé (MAD)"), validators=[DataRequired(), Length(max=30)])
    action_id = RecordField(_l("Action du plan (facultatif)"), validate_choice=False)
    milestone_ids = RecordListField(_l("Jalons liés"), validate_choice=False)
    version = HiddenField()

    def set_choices(self, cities, organizations, actions, milestones) -> None:
        self.city_id.choices = [Choice(c.id, local(c)) for c in cities]
        self.kind.choices = [Choice(k.value, str(KIND_LABELS[k])) for k in SiteKind]
        self.host_organization_id.choices = [
            Choice(o.id, f"{o.short_name} — {local(o)}") for o in organizations
        ]
        self.action_id.choices = [Choice(0, "—")] + [
            Choice(a.id, f"{local(a.plan.city)} · {a.code} — {a.title}") for a in actions
        ]
        self.milestone_ids.choices = [
            Choice(m.id, f"{m.title} ({m.due_date.isoformat()})") for m in milestones
        ]


class MoveForm(FlaskForm):
    to_status = HiddenField(validators=[DataRequired()])
    on_date = DateField(_l("Date"), validators=[Optional()])
    note = TextAreaField(_l("Justification"), validators=[Optional(), Length(max=5000)])
    version = HiddenField()


class FiguresForm(FlaskForm):
    seats = IntegerField(_l("Postes"), validators=[Optional(), NumberRange(0, 1_000_000)])
    wifi_capacity = IntegerField(
        _l("Connexions Wi-Fi simultanées"), validators=[Optional(), NumberRange(0, 1_000_000)]
    )
    weekly_users = IntegerField(
        _l("Usagers par semaine"), validators=[Optional(), NumberRange(0, 1_000_000)]
    )
    figures_on = DateField(_l("Chiffres au"), validators=[Optional()])
    version = HiddenField()


class CriteriaForm(FlaskForm):
    criteria = TextAreaField(
        _l("Critères"), validators=[DataRequired(), Length(max=20_000)], render_kw={"rows": 10}
    )
    version = HiddenField()


class AssessmentForm(FlaskForm):
    """The criteria's fields are read from the request by name: criterion-<id>, with
    reason-<id> for an eliminatory condition that is not met."""

    comment = TextAreaField(_l("Commentaire"), validators=[Optional(), Length(max=5000)])
    version = HiddenField()


class SiteFilterForm(FlaskForm):
    class Meta:
        csrf = False

    city = FilterSelectField(_l("Ville"), validators=[Optional()])
    kind = FilterSelectField(_l("Type"), validators=[Optional()])
    status = FilterSelectField(_l("Statut"), validators=[Optional()])

    def set_choices(self, cities) -> None:
        everyone = [Choice("", str(_l("Tous")))]
        self.city.choices = [Choice("", str(_l("Toutes")))] + [
            Choice(c.slug, local(c)) for c in cities
        ]
        self.kind.choices = everyone + [Choice(k.value, str(KIND_LABELS[k])) for k in SiteKind]
        self.status.choices = everyone + [
            Choice(s.value, str(STATUS_LABELS[s])) for s in SiteStatus
        ]

    def criteria(self) -> SiteCriteria:
        if not self.validate():
            return SiteCriteria(valid=False)
        return SiteCriteria(
            city_slug=self.city.data or None,
            kind=SiteKind(self.kind.data) if self.kind.data else None,
            status=SiteStatus(self.status.data) if self.status.data else None,
        )
