"""Error pages in the layout, and domain errors turned into messages."""

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.services.errors import DomainError, NotAllowed, StaleObject

MESSAGES = {
    400: (_l("Requête invalide"), _l("La demande n'a pas pu être comprise.")),
    403: (
        _l("Accès refusé"),
        _l("Vous n'avez pas les droits nécessaires pour cette page ou cette action."),
    ),
    404: (_l("Page introuvable"), _l("Cette page n'existe pas ou n'est plus disponible.")),
    405: (_l("Méthode non autorisée"), _l("Cette action n'est pas possible de cette façon.")),
    409: (
        _l("Modifié entre-temps"),
        _l("Quelqu'un a modifié cette fiche entre-temps. Rechargez-la et réessayez."),
    ),
    413: (
        _l("Fichier trop volumineux"),
        _l("Le fichier ou le formulaire envoyé dépasse la taille autorisée."),
    ),
    422: (_l("Demande refusée"), _l("Cette demande n'est pas possible en l'état.")),
    429: (
        _l("Trop de tentatives"),
        _l(
            "Trop de tentatives de connexion refusées depuis votre adresse : attendez une "
            "minute avant de réessayer."
        ),
    ),
    500: (
        _l("Erreur interne"),
        _l("Une erreur inattendue s'est produite ; rien n'a été enregistré. Réessayez plus tard."),
    ),
}


def render_error(status: int, detail=None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    template = "errors/_error.html" if request.headers.get("HX-Request") else "errors/error.html"
    return render_template(template, status=status, title=title, message=detail or message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _l(
                "Le formulaire a expiré ou n'est pas valide (jeton de sécurité manquant). "
                "Rechargez la page et réessayez."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code not in MESSAGES:
            return error
        limit = getattr(error, "limit", None)
        if error.code == 429 and limit is not None and limit.error_message:
            return render_error(429, error.description)  # a limit that says its own reason
        return render_error(error.code)

    @app.errorhandler(DomainError)
    def refused(error: DomainError):
        # A rule's refusal a view did not turn into a form error: a page that says why.
        db.session.rollback()
        if error.audit is not None:
            error.audit()
            db.session.commit()
        status = 403 if isinstance(error, NotAllowed) else 422
        if isinstance(error, StaleObject):
            status = 409
        return render_error(status, error.message)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        db.session.rollback()
        # The route, not the path: calendar addresses carry a secret.
        app.logger.exception("unhandled error on %s %s", request.method, request.endpoint)
        return render_error(500)
