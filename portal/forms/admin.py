from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.forms.fields import CheckboxListField
from portal.labels import LANGUAGE_NAMES, ORGANIZATION_KIND_LABELS, ROLE_LABELS
from portal.models.users import Role
from portal.services.accounts import RoleGrant


def grant_choices(cities) -> list[Choice]:
    """Every role an administrator can grant, city-scoped roles once per city."""
    choices = []
    for role in Role:
        if role is Role.LOCAL_DECISION_MAKER:
            choices += [
                Choice(f"{role.value}:{c.id}", f"{ROLE_LABELS[role]} — {c.name}") for c in cities
            ]
        elif role is Role.OBSERVER:
            choices.append(
                Choice(role.value, f"{ROLE_LABELS[role]} — " + str(_l("toutes les villes")))
            )
            choices += [
                Choice(f"{role.value}:{c.id}", f"{ROLE_LABELS[role]} — {c.name}") for c in cities
            ]
        else:
            choices.append(Choice(role.value, str(ROLE_LABELS[role])))
    return choices


def parse_grant(value: str) -> RoleGrant:
    role, _, city = value.partition(":")
    return RoleGrant(Role(role), int(city) if city else None)


def grant_value(grant: RoleGrant) -> str:
    return grant.role.value if grant.city_id is None else f"{grant.role.value}:{grant.city_id}"


class UserForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    full_name = StringField(_l("Nom complet"), validators=[DataRequired(), Length(max=200)])
    organization_id = SelectField(_l("Organisme"), coerce=int, validators=[DataRequired()])
    preferred_language = SelectField(
        _l("Langue"), choices=[Choice(code, name) for code, name in LANGUAGE_NAMES.items()]
    )
    roles = CheckboxListField(_l("Rôles"))
    password = PasswordField(_l("Mot de passe"), validators=[Length(max=256)])
    confirm = PasswordField(
        _l("Confirmer le mot de passe"),
        validators=[
            EqualTo("password", message=_l("Les deux mots de passe ne correspondent pas."))
        ],
    )
    version = HiddenField()

    def set_choices(self, organizations, cities, languages) -> None:
        self.organization_id.choices = [
            Choice(o.id, f"{o.name} ({o.short_name})") for o in organizations
        ]
        self.roles.choices = grant_choices(cities)
        self.preferred_language.choices = [Choice(code, LANGUAGE_NAMES[code]) for code in languages]

    def grants(self) -> list[RoleGrant]:
        return [parse_grant(value) for value in self.roles.data or []]


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Rôle"), validators=[Optional()])
    city = SelectField(_l("Ville"), validators=[Optional()])
    organization = SelectField(_l("Organisme"), validators=[Optional()])
    status = SelectField(
        _l("État"),
        choices=[
            Choice("", _l("Tous")),
            Choice("active", _l("Actifs")),
            Choice("inactive", _l("Désactivés")),
        ],
        validators=[Optional()],
    )

    def set_choices(self, organizations, cities) -> None:
        everyone = [Choice("", str(_l("Tous")))]
        self.role.choices = everyone + [Choice(r.value, str(ROLE_LABELS[r])) for r in Role]
        self.city.choices = everyone + [Choice(str(c.id), c.name) for c in cities]
        self.organization.choices = everyone + [
            Choice(str(o.id), o.short_name) for o in organizations
        ]


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Auteur"), validators=[Optional(), Length(max=254)])
    object_type = StringField(_l("Type d'objet"), validators=[Optional(), Length(max=40)])
    date_from = DateField(_l("Du"), validators=[Optional()])
    date_to = DateField(_l("Au"), validators=[Optional()])


class CityForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        _l("Identifiant (dans les adresses)"), validators=[DataRequired(), Length(max=60)]
    )
    region = StringField(_l("Région"), validators=[DataRequired(), Length(max=120)])
    version = HiddenField()


NATIONAL = 0  # the "no city" choice of an organisation


class OrganizationForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Sigle"), validators=[DataRequired(), Length(max=40)])
    kind = SelectField(_l("Type"), validators=[DataRequired()])
    city_id = SelectField(_l("Ville"), coerce=int)
    version = HiddenField()

    def set_choices(self, cities) -> None:
        self.kind.choices = [
            Choice(kind.value, str(label)) for kind, label in ORGANIZATION_KIND_LABELS.items()
        ]
        self.city_id.choices = [Choice(NATIONAL, str(_l("Organisme national")))] + [
            Choice(c.id, c.name) for c in cities
        ]

    def city(self) -> int | None:
        return self.city_id.data or None


class OrganizationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Type"), validators=[Optional()])
    city = SelectField(_l("Ville"), validators=[Optional()])

    def set_choices(self, cities) -> None:
        everyone = [Choice("", str(_l("Tous")))]
        self.kind.choices = everyone + [
            Choice(kind.value, str(label)) for kind, label in ORGANIZATION_KIND_LABELS.items()
        ]
        self.city.choices = (
            everyone
            + [Choice("national", str(_l("Organismes nationaux")))]
            + [Choice(str(c.id), c.name) for c in cities]
        )
