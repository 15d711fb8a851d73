"""Reference data named in French (cities, organisations, domains, indicators), shown to the
readers of English and Arabic in their language when a name in it is known."""

from portal.bidi import language


def local(obj, field: str = "name") -> str:
    """`obj.<field>` in the reader's language (`<field>_en`, `<field>_ar`), else French."""
    if obj is None:
        return ""
    reader = language()
    if reader != "fr":
        translated = getattr(obj, f"{field}_{reader}", "")
        if translated:
            return translated
    return getattr(obj, field)
