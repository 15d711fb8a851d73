from wtforms import SelectField, SelectMultipleField, widgets


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class FilterSelectField(SelectField):
    """A list filter's choice: blank or whitespace means "all" (an `Optional` validator would
    otherwise let "?city=%20" through as a value no query can use)."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.strip() for v in valuelist] if valuelist else valuelist)
