"""A criteria grid's labels in English and Arabic (tenders' and cities' site criteria alike):
given after the grid, and kept when the grid is typed again."""

from flask_babel import lazy_gettext as _l

from portal.services.errors import InvalidInput

# A criterion's label, in each language (the columns' length).
LABEL_LIMIT = 300


def label(criteria, labels: dict[int, tuple[str, str]]) -> list[list[str]]:
    """Give criteria their English and Arabic labels (`labels` by criterion id; an empty one
    lets the French label stand); the changes, for the audit."""
    changes = []
    for criterion in criteria:
        if criterion.id not in labels:
            continue
        en, ar = (" ".join((text or "").split()) for text in labels[criterion.id])
        for language, text in (("en", en), ("ar", ar)):
            if len(text) > LABEL_LIMIT:
                raise InvalidInput(
                    _l("Un libellé de critère compte au plus %(n)d caractères.", n=LABEL_LIMIT),
                    field=f"{language}_{criterion.id}",
                )
        if (en, ar) != (criterion.label_en, criterion.label_ar):
            criterion.label_en, criterion.label_ar = en, ar
            changes.append([criterion.label, en, ar])
    return changes


def kept(criteria) -> dict[str, tuple[str, str]]:
    """The criteria's English and Arabic labels by French label: a grid typed again keeps
    them for the criteria whose label did not change."""
    return {c.label: (c.label_en, c.label_ar) for c in criteria}


def labelled(known: dict[str, tuple[str, str]], label: str) -> dict:
    """A new criterion's labels: the French one typed, the others from `known`."""
    en, ar = known.get(label, ("", ""))
    return {"label": label, "label_en": en, "label_ar": ar}
