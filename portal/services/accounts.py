"""Accounts: sign-in with lockout, passwords, and the administration of users and roles."""

import contextlib
import functools
import gzip
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from portal.authz import CITY_REQUIRED_ROLES, CITY_SCOPED_ROLES, ROLE_PERMISSIONS, Permission
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.organizations import City, Organization
from portal.models.users import Role, RoleAssignment, User, new_session_token
from portal.services import audit
from portal.services.errors import InvalidInput, NotAllowed, ensure_current

MIN_PASSWORD_LENGTH = 12
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _hasher() -> PasswordHasher:
    # Tests use cheap parameters; production keeps argon2-cffi's argon2id defaults.
    params = current_app.config.get("ARGON2_PARAMETERS") or {}
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_policy(password: str, email: str = "", field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _l(
                "Le mot de passe doit contenir au moins %(n)d caractères.",
                n=MIN_PASSWORD_LENGTH,
            ),
            field=field,
        )
    if email and password.strip().lower() == normalise_email(email):
        raise InvalidInput(
            _l("Le mot de passe ne peut pas être votre adresse e-mail."), field=field
        )
    lowered = password.strip().lower()
    if lowered in _common_passwords():
        raise InvalidInput(
            _l("Ce mot de passe figure parmi les plus courants : choisissez-en un autre."),
            field=field,
        )
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        raise InvalidInput(
            _l(
                "Ce mot de passe répète trop peu de caractères : il en faut au moins "
                "%(n)d différents.",
                n=MIN_DISTINCT_CHARACTERS,
            ),
            field=field,
        )
    if any(lowered in run for run in GUESSABLE_RUNS):
        raise InvalidInput(GUESSABLE, field=field)


MIN_DISTINCT_CHARACTERS = 5
GUESSABLE = _l("Ce mot de passe suit une rangée du clavier ou de l'alphabet : il se devine.")
# Runs a password must not be a part of: digits, the alphabet and the rows of the French and
# English keyboards, each forwards and backwards, repeated so that a run may wrap.
_RUNS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "azertyuiopqsdfghjklmwxcvbn")
_RUNS += ("qwertyuiopasdfghjklzxcvbnm",)
GUESSABLE_RUNS = tuple(run * 3 for base in _RUNS for run in (base, base[::-1]))


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 20,000 most common passwords (portal/data/README says where they come from)."""
    path = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


# --- Sign-in ---------------------------------------------------------------------------


class InvalidCredentials(NotAllowed):
    def __init__(self):
        super().__init__(_l("Adresse e-mail ou mot de passe incorrect."))


class AccountLocked(NotAllowed):
    def __init__(self, minutes: int):
        super().__init__(
            _l(
                "Trop de tentatives infructueuses : ce compte est verrouillé. "
                "Réessayez dans %(minutes)d minute(s).",
                minutes=minutes,
            )
        )
        self.minutes = minutes


class AccountInactive(InvalidCredentials):
    """Answered as a wrong password: whoever typed it does not learn that it was right (the
    audit trail tells the administrator)."""


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


def authenticate(email: str, password: str, *, now: datetime, ip: str | None = None) -> User:
    """Return the user whose credentials these are, or raise.

    Each attempt is counted in the database *before* the password is checked, in one atomic
    UPDATE that also refuses a locked account: however many requests arrive at once, in one
    process or several, no more than LOGIN_MAX_FAILURES passwords are tried. Failed attempts
    are audited without an actor: whoever typed them is not known. The caller commits
    either way.
    """
    email = normalise_email(email)
    config = current_app.config
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        _burn_password_check(password)  # an unknown address answers as slowly as a known one
        audit.record(None, "login.failure", actor_label=email, ip=ip, now=now)
        raise InvalidCredentials()
    attempt = db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .where(sa.or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_login_count=User.failed_login_count + 1)
        .returning(User.failed_login_count)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.expire(user)
    if attempt is None or attempt > config["LOGIN_MAX_FAILURES"]:
        audit.record(None, "login.refused_locked", obj=user, actor_label=email, ip=ip, now=now)
        until = user.locked_until or now + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
        raise AccountLocked(_minutes_left(until, now))
    if not verify_password(user, password):
        audit.record(None, "login.failure", obj=user, actor_label=email, ip=ip, now=now)
        if attempt >= config["LOGIN_MAX_FAILURES"]:
            until = now + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
            _set_unversioned(user, failed_login_count=0, locked_until=until)
            audit.record(
                None,
                "login.locked",
                obj=user,
                actor_label=email,
                details={"failures": attempt, "locked_until": until.isoformat()},
                ip=ip,
                now=now,
            )
        raise InvalidCredentials()
    if not user.active:
        audit.record(user, "login.refused_inactive", obj=user, ip=ip, now=now)
        raise AccountInactive()
    _set_unversioned(user, failed_login_count=0, locked_until=None, last_login_at=now)
    if _hasher().check_needs_rehash(user.password_hash):
        _set_unversioned(user, password_hash=hash_password(password))
    audit.record(user, "login.success", obj=user, ip=ip, now=now)
    return user


_dummy_hashes: dict[str, str] = {}


def previous_login_at(user: User) -> datetime | None:
    """The sign-in before the current one (the current one is `last_login_at`)."""
    return db.session.scalar(
        sa.select(AuditEvent.occurred_at)
        .where(
            AuditEvent.action == "login.success",
            AuditEvent.object_type == User.__tablename__,
            AuditEvent.object_id == user.id,
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .offset(1)
        .limit(1)
    )


def _burn_password_check(password: str) -> None:
    hasher = _hasher()
    key = repr(sorted((current_app.config.get("ARGON2_PARAMETERS") or {}).items()))
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("not-a-real-password")
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher.verify(_dummy_hashes[key], password)


def _set_unversioned(user: User, **values) -> None:
    """Write bookkeeping columns without bumping the row version: a sign-in or a language
    switch is not an edit of the account and must never make an administrator's form stale."""
    db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user)


def new_calendar_token(user: User, *, ip: str | None = None) -> bool:
    """Give the person a new secret calendar address (the old one stops working); returns
    whether there was one before."""
    had_one = user.calendar_token is not None
    _set_unversioned(user, calendar_token=secrets.token_urlsafe(32))
    audit.record(
        user, "calendar.token_reset" if had_one else "calendar.token_created", obj=user, ip=ip
    )
    return had_one


def end_sessions(user: User) -> None:
    _set_unversioned(user, session_token=new_session_token())


def change_own_password(user: User, current: str, new: str, *, ip: str | None = None) -> None:
    if not verify_password(user, current):
        raise InvalidInput(_l("Le mot de passe actuel est incorrect."), field="current_password")
    check_password_policy(new, user.email, field="new_password")
    user.password_hash = hash_password(new)
    # Every other session of this account ends; the caller signs this one in again.
    user.session_token = new_session_token()
    audit.record(user, "account.password_changed", obj=user, ip=ip)


def set_preferred_language(user: User, language: str) -> None:
    if language not in current_app.config["LANGUAGES"]:
        raise InvalidInput(_l("Langue non prise en charge."))
    _set_unversioned(user, preferred_language=language)


# --- Administration ---------------------------------------------------------------------


@dataclass(frozen=True)
class RoleGrant:
    role: Role
    city_id: int | None = None


def _validate_grants(grants: Iterable[RoleGrant]) -> list[RoleGrant]:
    unique: list[RoleGrant] = []
    for grant in grants:
        if grant.role in CITY_REQUIRED_ROLES and grant.city_id is None:
            raise InvalidInput(
                _l("Le rôle de décideur local doit être rattaché à une ville."), field="roles"
            )
        if grant.role not in CITY_SCOPED_ROLES and grant.city_id is not None:
            raise InvalidInput(
                _l("Ce rôle s'exerce sur toutes les villes : ne choisissez pas de ville."),
                field="roles",
            )
        if grant.city_id is not None and db.session.get(City, grant.city_id) is None:
            raise InvalidInput(_l("Ville inconnue."), field="roles")
        if grant not in unique:
            unique.append(grant)
    return unique


def _describe(grants: Iterable[RoleGrant]) -> list[dict]:
    return [{"role": g.role.value, "city_id": g.city_id} for g in grants]


def current_grants(user: User) -> list[RoleGrant]:
    return [RoleGrant(a.role, a.city_id) for a in user.role_assignments]


def _check_email_free(email: str, exclude_id: int | None = None) -> None:
    if not EMAIL_RE.match(email):
        raise InvalidInput(_l("Adresse e-mail invalide."), field="email")
    query = sa.select(User.id).where(User.email == email)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise InvalidInput(_l("Un compte existe déjà avec cette adresse e-mail."), field="email")


def _get_organization(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise InvalidInput(_l("Organisme inconnu."), field="organization_id")
    return organization


def create_user(
    actor: User | None,
    *,
    email: str,
    full_name: str,
    organization_id: int,
    password: str,
    grants: Iterable[RoleGrant] = (),
    preferred_language: str = "fr",
    ip: str | None = None,
) -> User:
    email = normalise_email(email)
    _check_email_free(email)
    full_name = full_name.strip()
    if not full_name:
        raise InvalidInput(_l("Le nom complet est obligatoire."), field="full_name")
    check_password_policy(password, email)
    grants = _validate_grants(grants)
    _check_separation(actor, None, grants, ip)
    user = User(
        email=email,
        full_name=full_name,
        organization=_get_organization(organization_id),
        password_hash=hash_password(password),
        preferred_language=preferred_language,
        role_assignments=[RoleAssignment(role=g.role, city_id=g.city_id) for g in grants],
    )
    db.session.add(user)
    audit.record(
        actor,
        "user.created",
        obj=user,
        details={
            "email": email,
            "organization_id": organization_id,
            "roles": _describe(grants),
        },
        ip=ip,
    )
    return user


def update_user(
    actor: User,
    user: User,
    *,
    expected_version: int,
    email: str,
    full_name: str,
    organization_id: int,
    preferred_language: str,
    grants: Iterable[RoleGrant],
    new_password: str | None = None,
    ip: str | None = None,
) -> None:
    """Apply an administrator's edit; a stale form (someone saved in between) changes nothing."""
    ensure_current(
        user,
        expected_version,
        _l(
            "Ce compte a été modifié par quelqu'un d'autre entre-temps. "
            "Rechargez la page pour voir ses nouvelles valeurs."
        ),
    )
    email = normalise_email(email)
    _check_email_free(email, exclude_id=user.id)
    full_name = full_name.strip()
    if not full_name:
        raise InvalidInput(_l("Le nom complet est obligatoire."), field="full_name")
    if preferred_language not in current_app.config["LANGUAGES"]:
        raise InvalidInput(_l("Langue non prise en charge."), field="preferred_language")
    organization = _get_organization(organization_id)
    grants = _validate_grants(grants)
    if new_password:
        check_password_policy(new_password, email)
    before_grants = current_grants(user)
    if set(before_grants) != set(grants):
        if actor.id == user.id:
            _refuse_roles(
                actor,
                user,
                grants,
                _l("Vous ne changez pas vos propres rôles : un autre administrateur le fait."),
                ip,
            )
        _check_separation(actor, user, grants, ip)

    before = {
        "email": user.email,
        "full_name": user.full_name,
        "organization_id": user.organization_id,
        "preferred_language": user.preferred_language,
    }
    user.email = email
    user.full_name = full_name
    user.organization = organization
    user.preferred_language = preferred_language
    after = {
        "email": email,
        "full_name": full_name,
        "organization_id": organization.id,
        "preferred_language": preferred_language,
    }
    changed = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
    if changed:
        audit.record(actor, "user.updated", obj=user, details=changed, ip=ip)

    if set(before_grants) != set(grants):
        _replace_grants(user, grants)
        audit.record(
            actor,
            "user.roles_changed",
            obj=user,
            details={"before": _describe(before_grants), "after": _describe(grants)},
            ip=ip,
        )
    if new_password:
        user.password_hash = hash_password(new_password)
        user.session_token = new_session_token()
        user.failed_login_count = 0
        user.locked_until = None
        audit.record(actor, "user.password_reset", obj=user, ip=ip)
    if set(before_grants) != set(grants) and not (changed or new_password):
        # Roles live in another table; the account's version must still move.
        flag_modified(user, "full_name")


# Roles that read the agreements between organisations (the money): never held by an
# account that also administers the accounts, which could otherwise grant itself the right.
MONEY_ROLES = frozenset(
    role for role, rights in ROLE_PERMISSIONS.items() if Permission.FINANCE_OVERSEE in rights
)


def _check_separation(
    actor: User | None, user: User | None, grants: list[RoleGrant], ip: str | None
) -> None:
    roles = {g.role for g in grants}
    if Role.ADMIN in roles and roles & MONEY_ROLES:
        _refuse_roles(
            actor,
            user,
            grants,
            _l(
                "Le rôle d'administrateur ne se cumule pas avec un rôle qui lit les conventions "
                "financières (décideur central ou local, secrétariat)."
            ),
            ip,
        )


def _refuse_roles(actor, user, grants, message, ip) -> None:
    """Refuse a change of roles; the attempt stays in the audit trail."""
    user_id = user.id if user is not None else None

    def record():
        target = db.session.get(User, user_id) if user_id is not None else None
        audit.record(
            actor,
            "user.roles_refused",
            obj=target,
            details={"roles": _describe(grants), "reason": str(message)},
            ip=ip,
        )

    raise NotAllowed(message, field="roles", audit=record)


def _replace_grants(user: User, grants: list[RoleGrant]) -> None:
    wanted = set(grants)
    for assignment in list(user.role_assignments):
        if RoleGrant(assignment.role, assignment.city_id) not in wanted:
            user.role_assignments.remove(assignment)
    present = set(current_grants(user))
    for grant in grants:
        if grant not in present:
            user.role_assignments.append(RoleAssignment(role=grant.role, city_id=grant.city_id))


def set_active(actor: User, user: User, active: bool, *, ip: str | None = None) -> None:
    if actor.id == user.id and not active:
        raise InvalidInput(_l("Vous ne pouvez pas désactiver votre propre compte."))
    if user.active == active:
        return
    user.active = active
    # A deactivated user's open sessions stop on their next request.
    user.session_token = new_session_token()
    audit.record(actor, "user.activated" if active else "user.deactivated", obj=user, ip=ip)


@dataclass(frozen=True)
class UserCriteria:
    """What the administrators' user list is filtered by."""

    q: str = ""
    role: Role | None = None
    city_id: int | None = None
    organization_id: int | None = None
    active: bool | None = None
    valid: bool = True


def users_query(criteria: UserCriteria):
    """The accounts matching `criteria`, by name; a name or address contains `q`."""
    query = sa.select(User).options(
        selectinload(User.organization),
        selectinload(User.role_assignments).selectinload(RoleAssignment.city),
    )
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.q:
        text = criteria.q.lower()
        query = query.where(
            sa.or_(
                User.email.contains(text, autoescape=True),
                sa.func.lower(User.full_name).contains(text, autoescape=True),
            )
        )
    if criteria.role is not None or criteria.city_id is not None:
        assignment = sa.select(RoleAssignment.id).where(RoleAssignment.user_id == User.id)
        if criteria.role is not None:
            assignment = assignment.where(RoleAssignment.role == criteria.role)
        if criteria.city_id is not None:
            assignment = assignment.where(RoleAssignment.city_id == criteria.city_id)
        query = query.where(assignment.exists())
    if criteria.organization_id is not None:
        query = query.where(User.organization_id == criteria.organization_id)
    if criteria.active is not None:
        query = query.where(User.active.is_(criteria.active))
    return query.order_by(User.full_name, User.id)
