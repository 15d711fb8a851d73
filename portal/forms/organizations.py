"""Forms of the cities and organisations administration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, Length, Optional

from portal.forms.fields import FilterSelectField, LineField, RecordField, named_in_languages
from portal.labels import ORGANIZATION_KIND_LABELS
from portal.models.organizations import OrganizationKind
from portal.models.types import valid_id
from portal.names import local
from portal.services.organizations import Criteria


class CityForm(FlaskForm, named_in_languages(120)):
    name = LineField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    slug = LineField(
        _l("Identifiant (dans les adresses)"), validators=[DataRequired(), Length(max=60)]
    )
    region = LineField(_l("Région"), validators=[DataRequired(), Length(max=120)])
    version = HiddenField()


NATIONAL = 0  # the "no city" choice of an organisation


class OrganizationForm(FlaskForm, named_in_languages(200)):
    name = LineField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    short_name = LineField(_l("Sigle"), validators=[DataRequired(), Length(max=40)])
    kind = SelectField(_l("Type"), validators=[DataRequired()])
    city_id = RecordField(_l("Ville"))
    version = HiddenField()

    def set_choices(self, cities) -> None:
        self.kind.choices = [
            Choice(kind.value, str(label)) for kind, label in ORGANIZATION_KIND_LABELS.items()
        ]
        self.city_id.choices = [Choice(NATIONAL, str(_l("Organisme national")))] + [
            Choice(c.id, local(c)) for c in cities
        ]

    def city(self) -> int | None:
        return self.city_id.data or None


class OrganizationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = LineField(_l("Recherche"), validators=[Optional(), Length(max=100)])
    kind = FilterSelectField(_l("Type"), validators=[Optional()])
    city = FilterSelectField(_l("Ville"), validators=[Optional()])

    def set_choices(self, cities) -> None:
        everyone = [Choice("", str(_l("Tous")))]
        self.kind.choices = everyone + [
            Choice(kind.value, str(label)) for kind, label in ORGANIZATION_KIND_LABELS.items()
        ]
        self.city.choices = (
            everyone
            + [Choice("national", str(_l("Organismes nationaux")))]
            + [Choice(str(c.id), local(c)) for c in cities]
        )

    def criteria(self) -> Criteria:
        if not self.validate():
            return Criteria(valid=False)
        city = self.city.data or None
        return Criteria(
            q=(self.q.data or "").strip(),
            kind=OrganizationKind(self.kind.data) if self.kind.data else None,
            city=city if city in (None, "national") else valid_id(city),
        )
