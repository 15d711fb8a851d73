"""Names, titles and references inside right-to-left text: isolated, so that their own
direction (a French title, a reference such as AO-SDTN-2026-01, a number) does not reorder
the Arabic sentence around them. Left-to-right pages are left as they are. Lists are joined
with the reader's punctuation."""

from flask_babel import get_locale, pgettext
from markupsafe import Markup, escape

from portal.labels import RTL_LANGUAGES

# First strong isolate and pop directional isolate: <bdi> for plain text (e-mails, PDFs,
# sentences built by the services).
FSI, PDI = "\u2068", "\u2069"


def language() -> str:
    """The reader's language: the request's, the one forced for a person's e-mail, or
    French outside both."""
    locale = get_locale()
    return locale.language if locale is not None else "fr"


def right_to_left() -> bool:
    return language() in RTL_LANGUAGES


def isolate(text) -> str:
    """`text` between FSI and PDI in a right-to-left language, else unchanged."""
    text = "" if text is None else str(text)
    return f"{FSI}{text}{PDI}" if text and right_to_left() else text


def isolate_ltr(text: str) -> str:
    """`text` read left to right (a signed number) between LRI and PDI on a right-to-left
    page, else unchanged."""
    return f"\u2066{text}{PDI}" if text and right_to_left() else text


def bdi(value) -> Markup:
    """A template's user data in `<bdi>` on a right-to-left page (escaped either way)."""
    if value is None or value == "":
        return Markup("")
    if right_to_left():
        return Markup("<bdi>{}</bdi>").format(value)
    return escape(value)


def separator(strong: bool = False) -> str:
    # A semicolon between items that hold commas or sentences; French sets a space before
    # it, Arabic has its own comma and semicolon.
    return pgettext("list separator", " ; ") if strong else pgettext("list separator", ", ")


def listed(items, *, strong: bool = False) -> str:
    """`items` as text, joined the reader's way."""
    return separator(strong).join(str(item) for item in items)


def listed_bdi(items, strong: bool = False) -> Markup:
    """A template's list of user data, joined the reader's way, each item isolated."""
    return escape(separator(strong)).join(bdi(item) for item in items)
