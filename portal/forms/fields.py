from wtforms import SelectField, SelectMultipleField, widgets
from wtforms.validators import ValidationError

from portal.services.errors import InvalidInput


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


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
