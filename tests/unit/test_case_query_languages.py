"""Request 8's "all" in every language (actions/citizen_requests/record_forms.py)."""

from __future__ import annotations

import pytest

from actions.citizen_requests.record_forms import parse_case_query
from actions.validation._base import ValidationError


@pytest.mark.parametrize("text", ["all", "wszystkie", "всі", "усі", "الكل", "كلها"])
def test_all_cases_in_every_language(text: str) -> None:
    assert parse_case_query(text) == "all"


@pytest.mark.parametrize("text", ["lata", "роки", "شي"])
def test_a_word_that_is_not_all_is_still_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_case_query(text)
