"""Forms of the reminder rules (administrator) and of each person's reminder preferences."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms.fields import CheckboxListField, LineField
from portal.labels import REMINDER_KIND_LABELS

DAYS = NumberRange(min=0, max=365, message=_l("Un nombre de jours entre 0 et 365."))
INTEGER = _l("Un nombre entier de jours.")


class ReminderRuleForm(FlaskForm):
    lead_days = LineField(
        _l("Rappels avant l'échéance (jours)"), validators=[Optional(), Length(max=60)]
    )
    overdue_every_days = IntegerField(
        _l("Une fois en retard, rappeler tous les (jours)"),
        validators=[InputRequired(message=INTEGER), DAYS],
    )
    escalate_local_after = IntegerField(
        _l("Saisir le décideur local de la ville après (jours de retard)"),
        validators=[Optional(), DAYS],
    )
    escalate_central_after = IntegerField(
        _l("Saisir les décideurs centraux après (jours de retard)"),
        validators=[Optional(), DAYS],
    )
    respond_within_days = IntegerField(
        _l("Délai pour décider (jours)"), validators=[Optional(), DAYS]
    )
    active = BooleanField(_l("Rappels actifs pour ce type d'échéance"))
    version = HiddenField()


class ReminderPreferencesForm(FlaskForm):
    frequency = RadioField(
        _l("Rappels par e-mail"),
        choices=[
            Choice("immediate", _l("Un e-mail par rappel ou par événement, dès qu'il est dû")),
            Choice("digest", _l("Un récapitulatif quotidien")),
        ],
        default="immediate",
    )
    muted = CheckboxListField(_l("Ne pas m'envoyer par e-mail"))

    def set_choices(self) -> None:
        self.muted.choices = [
            Choice(kind.value, str(label)) for kind, label in REMINDER_KIND_LABELS.items()
        ]
