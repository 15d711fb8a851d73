from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("Nouveau mot de passe"), validators=[DataRequired(), Length(max=256)]
    )
    confirm = PasswordField(
        _l("Confirmer le nouveau mot de passe"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("Les deux mots de passe ne correspondent pas.")),
        ],
    )
