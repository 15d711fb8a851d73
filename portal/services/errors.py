"""Domain errors: each carries a message the person can read, in their language."""


class DomainError(Exception):
    """A rule refused the change; `message` says why, for the person who asked."""

    def __init__(self, message, *, field: str | None = None, audit=None):
        # Translated now, into plain text: a lazy string counts as safe HTML in Jinja, and
        # these messages quote what people typed (titles, names).
        self.message = str(message)
        super().__init__(self.message)
        self.field = field
        # A refusal the audit trail keeps: written by the caller after its rollback.
        self.audit = audit


class NotAllowed(DomainError):
    pass


class StaleObject(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class TransitionNotAllowed(DomainError):
    """A change of status that the current status does not allow."""


def ensure_current(obj, expected_version: int | None, message) -> None:
    """Refuse an edit made on a form loaded before someone else's save."""
    if expected_version is None or obj.version != expected_version:
        raise StaleObject(message)
