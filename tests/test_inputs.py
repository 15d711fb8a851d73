"""Numbers as people type them in each of the portal's languages."""

from decimal import Decimal

import pytest

from portal.services import inputs
from portal.services.errors import InvalidInput


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1 234 567,50", "1234567.50"),  # French, with spaces
        ("1\u202f234\u202f567,50", "1234567.50"),  # French as the portal prints it
        ("1.234.567,50", "1234567.50"),  # Arabic (Morocco), as the portal prints it
        ("2.190.000", "2190000.00"),
        ("1,234,567.50", "1234567.50"),  # English
        ("1,000,000", "1000000.00"),
        ("12,5", "12.50"),
        ("12.5", "12.50"),
        ("760000", "760000.00"),
    ],
)
def test_an_amount_reads_in_every_language(typed, read):
    assert inputs.amount(typed) == Decimal(read)


@pytest.mark.parametrize("typed", ["1.2.3,4.5", "3,5,6", "12,34,567.8", "1.234.56,7", "1,,5"])
def test_a_garbled_amount_is_refused_on_its_field(typed):
    with pytest.raises(InvalidInput) as refused:
        inputs.amount(typed, "price")
    assert refused.value.field == "price"
