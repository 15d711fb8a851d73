"""The audit trail's search form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Length, Optional

from portal.forms.fields import LineField
from portal.services.audit import Criteria


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = LineField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = LineField(_l("Auteur"), validators=[Optional(), Length(max=254)])
    object_type = LineField(_l("Type d'objet"), validators=[Optional(), Length(max=40)])
    date_from = DateField(_l("Du"), validators=[Optional()])
    date_to = DateField(_l("Au"), validators=[Optional()])

    def criteria(self) -> Criteria:
        if not self.validate():
            return Criteria(valid=False)
        return Criteria(
            action=(self.action.data or "").strip(),
            actor=(self.actor.data or "").strip(),
            object_type=(self.object_type.data or "").strip(),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )
