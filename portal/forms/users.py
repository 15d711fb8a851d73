"""Forms of the accounts administration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice as Choice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.forms.fields import (
    CheckboxListField,
    FilterSelectField,
    LineField,
    RecordField,
)
from portal.labels import LANGUAGE_NAMES, ROLE_LABELS
from portal.models.types import valid_id
from portal.models.users import Role
from portal.names import local
from portal.services.accounts import RoleGrant, UserCriteria


def grant_choices(cities) -> list[Choice]:
    """Every role an administrator can grant, city-scoped roles once per city."""
    choices = []
    for role in Role:
        if role is Role.LOCAL_DECISION_MAKER:
            choices += [
                Choice(f"{role.value}:{c.id}", f"{ROLE_LABELS[role]} — {local(c)}") for c in cities
            ]
        elif role is Role.OBSERVER:
            choices.append(
                Choice(role.value, f"{ROLE_LABELS[role]} — " + str(_l("toutes les villes")))
            )
            choices += [
                Choice(f"{role.value}:{c.id}", f"{ROLE_LABELS[role]} — {local(c)}") for c in cities
            ]
        elif role is Role.CONTRIBUTOR:
            # One city only for a consultancy running that city's study (its scenarios).
            choices.append(Choice(role.value, str(ROLE_LABELS[role])))
            choices += [
                Choice(f"{role.value}:{c.id}", f"{ROLE_LABELS[role]} — {local(c)}") for c in cities
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
    full_name = LineField(_l("Nom complet"), validators=[DataRequired(), Length(max=200)])
    organization_id = RecordField(_l("Organisme"), validators=[DataRequired()])
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
            Choice(o.id, f"{local(o)} ({o.short_name})") for o in organizations
        ]
        self.roles.choices = grant_choices(cities)
        self.preferred_language.choices = [Choice(code, LANGUAGE_NAMES[code]) for code in languages]

    def grants(self) -> list[RoleGrant]:
        return [parse_grant(value) for value in self.roles.data or []]


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = LineField(_l("Recherche"), validators=[Optional(), Length(max=100)])
    role = FilterSelectField(_l("Rôle"), validators=[Optional()])
    city = FilterSelectField(_l("Ville"), validators=[Optional()])
    organization = FilterSelectField(_l("Organisme"), validators=[Optional()])
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
        self.city.choices = everyone + [Choice(str(c.id), local(c)) for c in cities]
        self.organization.choices = everyone + [
            Choice(str(o.id), o.short_name) for o in organizations
        ]

    def criteria(self) -> UserCriteria:
        if not self.validate():
            return UserCriteria(valid=False)
        return UserCriteria(
            q=(self.q.data or "").strip(),
            role=Role(self.role.data) if self.role.data else None,
            city_id=valid_id(self.city.data),
            organization_id=valid_id(self.organization.data),
            active={"active": True, "inactive": False}.get(self.status.data or ""),
        )
