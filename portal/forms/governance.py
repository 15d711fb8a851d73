from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, Length, Optional

from portal.forms.fields import FilterSelectField, LineField, RecordField
from portal.labels import BODY_KIND_LABELS, MEMBER_ROLE_LABELS
from portal.names import local


class BodyForm(FlaskForm):
    kind = SelectField(
        _l("Nature"), choices=[Choice(k.value, label) for k, label in BODY_KIND_LABELS.items()]
    )
    name = LineField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    name_en = LineField(_l("Nom en anglais"), validators=[Length(max=200)])
    name_ar = LineField(_l("Nom en arabe"), validators=[Length(max=200)])
    city_id = RecordField(_l("Ville (vide : le programme)"), validators=[Optional()])
    description = TextAreaField(_l("Mission"), validators=[Length(max=5000)])
    quorum = LineField(
        _l("Quorum : membres votants présents"), validators=[DataRequired(), Length(max=4)]
    )
    meets_every_months = SelectField(
        _l("Se réunit"),
        choices=[
            Choice("", _l("selon les besoins")),
            Choice("1", _l("tous les mois")),
            Choice("2", _l("tous les deux mois")),
            Choice("3", _l("tous les trimestres")),
            Choice("6", _l("tous les semestres")),
            Choice("12", _l("tous les ans")),
        ],
        validators=[Optional()],
    )
    version = HiddenField()

    def set_choices(self, cities) -> None:
        self.city_id.choices = [Choice(0, "—")] + [Choice(c.id, local(c)) for c in cities]


class MemberForm(FlaskForm):
    user_id = RecordField(_l("Personne"), validators=[DataRequired()])
    role = SelectField(
        _l("Rôle dans l'instance"),
        choices=[Choice(r.value, label) for r, label in MEMBER_ROLE_LABELS.items()],
    )


class MeetingForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    starts = TimeField(_l("Début (heure du Maroc)"), validators=[DataRequired()])
    ends = TimeField(_l("Fin (heure du Maroc)"), validators=[DataRequired()])
    place = LineField(_l("Lieu"), validators=[Length(max=300)])
    video_link = LineField(_l("Lien de visioconférence"), validators=[Length(max=500)])
    published = BooleanField(_l("Publiée : lisible par tous les utilisateurs du portail"))
    version = HiddenField()


class ProposalsForm(FlaskForm):
    keys = SelectMultipleField(_l("Points proposés"), validate_choice=False)
    version = HiddenField()


class FreeItemForm(FlaskForm):
    title = LineField(_l("Point"), validators=[DataRequired(), Length(max=300)])
    note = TextAreaField(_l("Précisions"), validators=[Length(max=5000)])
    version = HiddenField()


class VersionForm(FlaskForm):
    version = HiddenField()


class OutcomeForm(FlaskForm):
    outcome = SelectField(
        _l("Suite donnée"),
        choices=[
            Choice("information", _l("Information")),
            Choice("decision", _l("Décision")),
            Choice("action", _l("Action de suivi")),
        ],
    )
    text = TextAreaField(
        _l("Texte (la décision, ou l'action à mener)"),
        validators=[DataRequired(), Length(max=5000)],
    )
    owner_organization_id = RecordField(_l("Organisme responsable"), validators=[Optional()])
    owner_user_id = RecordField(_l("Personne responsable (facultatif)"), validators=[Optional()])
    due_on = DateField(_l("Échéance"), validators=[Optional()])
    # The object's own transitions the recorder may make; the service checks them again.
    carry_out = SelectField(
        _l("Exécuter la décision sur l'objet"), choices=[], validate_choice=False
    )
    version = HiddenField()

    def set_carry_choices(self, carried) -> None:
        self.carry_out.choices = [Choice("", _l("Non : la décision est notée seulement"))] + [
            Choice(c.name, c.label) for c in carried
        ]

    def set_choices(self, organizations, people) -> None:
        self.owner_organization_id.choices = [Choice(0, "—")] + [
            Choice(o.id, f"{local(o)} ({o.short_name})") for o in organizations
        ]
        self.owner_user_id.choices = [Choice(0, "—")] + [
            Choice(u.id, f"{u.full_name} ({u.organization.short_name})") for u in people
        ]


class CloseActionForm(FlaskForm):
    status = SelectField(
        _l("Clôture"),
        choices=[Choice("done", _l("Réalisée")), Choice("cancelled", _l("Abandonnée"))],
    )
    note = TextAreaField(_l("Note (obligatoire pour abandonner)"), validators=[Length(max=2000)])
    version = HiddenField()


class MinutesForm(FlaskForm):
    minutes_text = TextAreaField(
        _l("Compte rendu des échanges"), validators=[DataRequired(), Length(max=50_000)]
    )
    erratum = TextAreaField(
        _l("Erratum au procès-verbal de la réunion précédente (facultatif)"),
        validators=[Length(max=10_000)],
    )
    version = HiddenField()


class CirculateForm(FlaskForm):
    days = LineField(
        _l("Jours laissés aux membres pour leurs remarques"),
        default="7",
        validators=[DataRequired(), Length(max=3)],
    )
    version = HiddenField()


class MinutesCommentForm(FlaskForm):
    comment = TextAreaField(_l("Votre remarque"), validators=[DataRequired(), Length(max=5000)])


class ReportForm(FlaskForm):
    """The steering report's scope and period (a GET form: the report is a page to share)."""

    class Meta:
        csrf = False

    city = FilterSelectField(_l("Périmètre"), validators=[Optional()])
    start = DateField(_l("Début de la période"), validators=[DataRequired()])
    end = DateField(_l("Fin de la période"), validators=[DataRequired()])

    def set_choices(self, cities) -> None:
        self.city.choices = [Choice("", str(_l("Tout le programme")))] + [
            Choice(c.slug, local(c)) for c in cities
        ]


class AttachReportForm(FlaskForm):
    start = DateField(_l("Début de la période"), validators=[DataRequired()])
    end = DateField(_l("Fin de la période"), validators=[DataRequired()])
