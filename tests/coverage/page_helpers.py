"""What the coverage page tests share: the date they run on, a browser, the page text."""

from datetime import date
from html import unescape

from tests.conftest import login

TODAY = date(2026, 6, 1)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def browser(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client
