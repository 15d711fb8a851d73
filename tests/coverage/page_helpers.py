"""What the coverage page tests share: the date they run on, a browser, the page text."""

from datetime import date

TODAY = date(2026, 6, 1)
