from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal import labels
from portal.forms.fields import (
    FilterSelectField,
    LineField,
    RecordField,
    RecordListField,
)
from portal.models.milestones import MilestoneStatus
from portal.models.plans import Horizon
from portal.names import local
from portal.services.milestones import SORTS, STATUS_LABELS, Criteria

HORIZON_LABELS = labels.HORIZON_LABELS

SORT_LABELS = labels.MILESTONE_SORT_LABELS


class MilestoneFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = LineField(_l("Recherche"), validators=[Optional(), Length(max=100)])
    city = FilterSelectField(_l("Ville"), validators=[Optional()])
    domain = FilterSelectField(_l("Domaine"), validators=[Optional()])
    horizon = FilterSelectField(_l("Horizon"), validators=[Optional()])
    status = FilterSelectField(_l("État"), validators=[Optional()])
    organization = FilterSelectField(_l("Organisme responsable"), validators=[Optional()])
    late = BooleanField(_l("En retard"))
    due_within = IntegerField(
        _l("Échéance dans les N jours"), validators=[Optional(), NumberRange(min=0, max=3650)]
    )
    awaiting = BooleanField(_l("En attente de ma décision"))
    sort = FilterSelectField(_l("Tri"), validators=[Optional()])

    def set_choices(self, cities, domains, organizations) -> None:
        everyone = [Choice("", str(_l("Tous")))]
        self.city.choices = everyone + [Choice(str(c.id), local(c)) for c in cities]
        self.domain.choices = everyone + [Choice(str(d.id), local(d)) for d in domains]
        self.horizon.choices = everyone + [Choice(h.value, str(HORIZON_LABELS[h])) for h in Horizon]
        self.status.choices = everyone + [
            Choice(s.value, str(STATUS_LABELS[s])) for s in MilestoneStatus
        ]
        self.organization.choices = everyone + [
            Choice(str(o.id), o.short_name) for o in organizations
        ]
        self.sort.choices = [Choice(key, str(SORT_LABELS[key])) for key in SORTS]

    def criteria(self) -> Criteria:
        def as_int(value):
            return int(value) if value else None

        return Criteria(
            city_id=as_int(self.city.data),
            domain_id=as_int(self.domain.data),
            horizon=self.horizon.data or None,
            status=self.status.data or None,
            organization_id=as_int(self.organization.data),
            late=bool(self.late.data),
            due_within=self.due_within.data,
            awaiting_me=bool(self.awaiting.data),
            q=(self.q.data or "").strip(),
            sort=self.sort.data or "due",
        )


class MilestoneForm(FlaskForm):
    title = LineField(_l("Titre"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    deliverable = LineField(_l("Livrable attendu"), validators=[Optional(), Length(max=300)])
    responsible_organization_id = RecordField(
        _l("Organisme responsable"), validators=[DataRequired()]
    )
    planned_start = DateField(_l("Début prévu"), validators=[Optional()])
    due_date = DateField(_l("Échéance"), validators=[DataRequired()])
    # The list shows a bounded set of candidates; the service validates any id sent.
    predecessors = RecordListField(_l("Dépend de (fin → début)"), validate_choice=False)
    change_reason = TextAreaField(
        _l("Motif du changement d'échéance"), validators=[Optional(), Length(max=2000)]
    )
    version = HiddenField()

    def set_choices(self, organizations, candidates) -> None:
        self.responsible_organization_id.choices = [
            Choice(o.id, f"{o.short_name} — {local(o)}") for o in organizations
        ]
        self.predecessors.choices = [
            Choice(m.id, f"{m.title} ({format_date(m.due_date, 'medium')})") for m in candidates
        ]


class TransitionForm(FlaskForm):
    transition = HiddenField(validators=[DataRequired()])
    # Three forms on a milestone's page have a comment: each keeps an id of its own.
    comment = TextAreaField(
        _l("Commentaire"), validators=[Optional(), Length(max=5000)], id="transition-comment"
    )
    evidence = FileField(_l("Justificatif (facultatif)"))
    override_reason = TextAreaField(
        _l("Motif de la dérogation à la dépendance"), validators=[Optional(), Length(max=2000)]
    )
    version = HiddenField()


class CommentForm(FlaskForm):
    comment = TextAreaField(
        _l("Commentaire"), validators=[DataRequired(), Length(max=5000)], id="history-comment"
    )


class ChangeDecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(
        _l("Commentaire"), validators=[Optional(), Length(max=2000)], id="decision-comment"
    )
