from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, TextAreaField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.forms.fields import LineField, RecordField, named_in_languages
from portal.names import local


class PlanForm(FlaskForm):
    title = LineField(_l("Titre"), validators=[DataRequired(), Length(max=200)])
    start_date = DateField(_l("Début du plan"), validators=[DataRequired()])
    edition = IntegerField(
        _l("Version du plan"), default=1, validators=[DataRequired(), NumberRange(1, 99)]
    )
    version = HiddenField()


class ActionForm(FlaskForm):
    code = LineField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    title = LineField(_l("Intitulé"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    domain_id = RecordField(_l("Domaine"), validators=[DataRequired()])
    lead_organization_id = RecordField(_l("Organisme pilote"), validators=[DataRequired()])
    budget = LineField(_l("Budget (MAD)"), validators=[DataRequired(), Length(max=30)])
    planned_start = DateField(_l("Début prévu"), validators=[DataRequired()])
    planned_end = DateField(_l("Fin prévue"), validators=[DataRequired()])
    version = HiddenField()

    def set_choices(self, domains, organizations) -> None:
        self.domain_id.choices = [Choice(d.id, local(d)) for d in domains]
        self.lead_organization_id.choices = [
            Choice(o.id, f"{o.short_name} — {local(o)}") for o in organizations
        ]


class DomainForm(FlaskForm, named_in_languages(120)):
    code = LineField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = LineField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    position = IntegerField(_l("Ordre"), default=0, validators=[Optional(), NumberRange(0, 999)])
    version = HiddenField()
