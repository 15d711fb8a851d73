import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import Length, Optional, ValidationError

from portal.models.types import valid_id
from portal.services.errors import InvalidInput


def record_id(value) -> int:
    """The `coerce` of a choice of records: an id a row could have, or 0 for "none"; any
    other value (too large, negative, text) is refused as an unknown choice."""
    if value in (0, "0"):
        return 0
    number = valid_id(value)
    if number is None:
        raise ValueError(value)
    return number


# Line breaks, tabs and other control characters: a single-line value (a title, a name, a
# reference) never holds one; e-mail subjects and headers built from it would break.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class LineField(StringField):
    """A single-line text: a value with a line break or a control character is refused on
    its field (a browser's input never sends one; a crafted request can)."""

    def pre_validate(self, form):
        if self.data and CONTROL_CHARACTERS.search(self.data):
            raise ValidationError(_l("Une seule ligne, sans retour à la ligne ni tabulation."))


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


UNKNOWN_CHOICE = _l("Choix inconnu : choisissez dans la liste.")


class _RecordChoice:
    """Ids coerced by `record_id`; a value no row could have is an unknown choice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=record_id, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(UNKNOWN_CHOICE) from None


class RecordField(_RecordChoice, SelectField):
    """A choice of one record by its id."""


class RecordListField(_RecordChoice, CheckboxListField):
    """A choice of several records by their ids, as checkboxes."""


class FilterSelectField(SelectField):
    """A list filter's choice: blank or whitespace means "all" (an `Optional` validator would
    otherwise let "?city=%20" through as a value no query can use)."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.strip() for v in valuelist] if valuelist else valuelist)


class ServiceCheck:
    """A field validator that runs the service's own parser, so that a value the service would
    refuse is reported with every other error of the form, on its field, at once."""

    def __init__(self, parse):
        self.parse = parse

    def __call__(self, form, field):
        if field.data in (None, ""):
            return
        try:
            self.parse(field.data, field.name)
        except InvalidInput as refused:
            raise ValidationError(str(refused.message)) from None


def named_in_languages(length: int, *, units: bool = False) -> type:
    """Form fields for reference data's names in English and Arabic (and its unit's), all
    optional: a reader of those languages sees them, else the French one. `names()` gives
    them as the services take them."""
    fields = {
        "name_en": LineField(_l("Nom en anglais"), validators=[Optional(), Length(max=length)]),
        "name_ar": LineField(_l("Nom en arabe"), validators=[Optional(), Length(max=length)]),
    }
    if units:
        fields["unit_en"] = LineField(
            _l("Unité en anglais"), validators=[Optional(), Length(max=40)]
        )
        fields["unit_ar"] = LineField(_l("Unité en arabe"), validators=[Optional(), Length(max=40)])

    def names(self) -> dict:
        return {name: getattr(self, name).data or "" for name in fields}

    return type("NamedInLanguages", (), {**fields, "names": names})


def criteria_labels_form(criteria) -> FlaskForm:
    """One English and one Arabic label per criterion (`en_<id>`, `ar_<id>`), optional: the
    criteria's readers in those languages see them, else the French label."""
    fields = {"version": HiddenField()}
    for criterion in criteria:
        fields[f"en_{criterion.id}"] = LineField(
            _l("Libellé en anglais"),
            validators=[Optional(), Length(max=300)],
            default=criterion.label_en,
        )
        fields[f"ar_{criterion.id}"] = LineField(
            _l("Libellé en arabe"),
            validators=[Optional(), Length(max=300)],
            default=criterion.label_ar,
        )

    def labels(self) -> dict[int, tuple[str, str]]:
        return {
            c.id: (getattr(self, f"en_{c.id}").data or "", getattr(self, f"ar_{c.id}").data or "")
            for c in criteria
        }

    return type("CriteriaLabelsForm", (FlaskForm,), {**fields, "labels": labels})()
