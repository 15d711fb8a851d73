from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, Length, Optional

from portal.forms.fields import (
    FilterSelectField,
    LineField,
    RecordField,
    ServiceCheck,
)
from portal.models.commitments import CommitmentStatus
from portal.names import local
from portal.services import inputs
from portal.services.commitments import STATUS_LABELS, Criteria


class CommitmentForm(FlaskForm):
    organization_id = RecordField(_l("Organisme engagé"), validators=[DataRequired()])
    city_id = RecordField(_l("Ville"), validators=[DataRequired()])
    action_id = RecordField(_l("Action du plan (facultatif)"), validate_choice=False)
    title = LineField(_l("Engagement"), validators=[DataRequired(), Length(max=200)])
    indicator = LineField(_l("Indicateur"), validators=[DataRequired(), Length(max=200)])
    unit = LineField(_l("Unité"), validators=[DataRequired(), Length(max=40)])
    baseline = LineField(
        _l("Valeur de départ"),
        validators=[DataRequired(), Length(max=30), ServiceCheck(inputs.quantity)],
    )
    target = LineField(
        _l("Valeur cible"),
        validators=[DataRequired(), Length(max=30), ServiceCheck(inputs.quantity)],
    )
    due_date = DateField(_l("Échéance"), validators=[DataRequired()])

    def set_choices(self, organizations, cities, actions) -> None:
        self.organization_id.choices = [
            Choice(o.id, f"{o.short_name} — {local(o)}") for o in organizations
        ]
        self.city_id.choices = [Choice(c.id, local(c)) for c in cities]
        self.action_id.choices = [Choice(0, "—")] + [
            Choice(a.id, f"{a.code} — {a.title}") for a in actions
        ]


class UpdateForm(FlaskForm):
    value = LineField(
        _l("Nouvelle valeur"),
        validators=[DataRequired(), Length(max=30), ServiceCheck(inputs.quantity)],
    )
    measured_on = DateField(_l("Mesurée le"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    evidence = MultipleFileField(_l("Justificatifs (PDF, PNG, JPEG, XLSX, DOCX)"))


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Motif"), validators=[Optional(), Length(max=2000)])


class CommitmentFilterForm(FlaskForm):
    class Meta:
        csrf = False

    city = FilterSelectField(_l("Ville"), validators=[Optional()])
    organization = FilterSelectField(_l("Organisme"), validators=[Optional()])
    status = FilterSelectField(_l("État"), validators=[Optional()])

    def set_choices(self, cities, organizations) -> None:
        everyone = [Choice("", str(_l("Tous")))]
        self.city.choices = everyone + [Choice(str(c.id), local(c)) for c in cities]
        self.organization.choices = everyone + [
            Choice(str(o.id), o.short_name) for o in organizations
        ]
        self.status.choices = everyone + [
            Choice(s.value, str(STATUS_LABELS[s])) for s in CommitmentStatus
        ]

    def criteria(self) -> Criteria:
        if not self.validate():
            return Criteria(valid=False)
        return Criteria(
            city_id=int(self.city.data) if self.city.data else None,
            organization_id=int(self.organization.data) if self.organization.data else None,
            status=CommitmentStatus(self.status.data) if self.status.data else None,
        )
