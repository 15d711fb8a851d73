"""Fill the French catalogue's plural entries with their own msgids.

French is the source language, so the French catalogue is empty but for plurals: gettext
needs it to apply the French rule (0 and 1 take the singular). Run by
`make translations-update`.
"""

import sys

from babel.messages.pofile import read_po, write_po

PATH = "portal/translations/fr/LC_MESSAGES/messages.po"


def main() -> int:
    with open(PATH, "rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if not message.id:
            continue
        # Plurals carry their own msgids; everything else falls back to the msgid itself.
        message.string = message.id if isinstance(message.id, tuple) else ""
        message.flags.discard("fuzzy")
    with open(PATH, "wb") as f:
        write_po(f, catalog, width=100, sort_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
