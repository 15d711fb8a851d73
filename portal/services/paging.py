"""A page of a list computed in Python, shaped as the pagination macro reads it (the same
attributes as Flask-SQLAlchemy's pagination)."""

from dataclasses import dataclass
from math import ceil
from typing import Any


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, rows: list, page: int, per_page: int) -> "Page":
        """The `page`-th slice of `rows` (the last one when `page` is past the end)."""
        last = max(1, ceil(len(rows) / per_page))
        page = min(max(page, 1), last)
        return cls(rows[(page - 1) * per_page : page * per_page], page, per_page, len(rows))

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
