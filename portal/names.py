"""Reference data named in French (cities, organisations, domains, indicators), shown to the
readers of English and Arabic in their language when a name in it is known."""

from flask_babel import get_locale


def local(obj, field: str = "name") -> str:
    """`obj.<field>` in the reader's language (`<field>_en`, `<field>_ar`), else French."""
    if obj is None:
        return ""
    locale = get_locale()
    language = locale.language if locale is not None else "fr"
    if language != "fr":
        translated = getattr(obj, f"{field}_{language}", "")
        if translated:
            return translated
    return getattr(obj, field)
