"""The filters of a person's task list."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import Optional

from portal.forms.fields import FilterSelectField
from portal.names import local


class TaskFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = FilterSelectField(_l("Type de tâche"), validators=[Optional()])
    city = FilterSelectField(_l("Ville"), validators=[Optional()])

    def set_choices(self, kinds, cities) -> None:
        """`kinds`: (kind, count) pairs of the person's list; `cities`: every city."""
        every = [Choice("", str(_l("Tous")))]
        self.kind.choices = every + [
            Choice(kind.name, f"{kind.label} ({number})") for kind, number in kinds
        ]
        self.city.choices = [Choice("", str(_l("Toutes")))] + [
            Choice(str(city.id), local(city)) for city in cities
        ]

    def criteria(self) -> tuple[set[str] | None, int | None]:
        """The kinds and the city chosen; a value that is not among the choices selects
        nothing rather than everything."""
        if not self.validate():
            return set(), None
        kinds = {self.kind.data} if self.kind.data else None
        city = int(self.city.data) if self.city.data else None
        return kinds, city
