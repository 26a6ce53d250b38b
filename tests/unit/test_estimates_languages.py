"""An estimate's figures in Polish, Ukrainian and Arabic (actions/estimates/words.py).

The words around a figure come from `choices: estimate_words:` of each
language's texts.yml; the English parsers of actions/estimates/parsing.py
then read them. Phrases written for this test, not taken from evaluation/frozen.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.estimates import parsing as p
from actions.estimates.numbers import normalise


@pytest.mark.parametrize("text, months", [
    ("mam 28 lat składek", 28 * 12),
    ("przepracowalem 35 lat i chce wiedziec ile dostane", 35 * 12),
    ("2 lata oraz 6 miesięcy składek", 30),
    ("у мене 28 років стажу", 28 * 12),
    ("стаж 40 років", 40 * 12),
    ("عندي ٢٨ سنة اشتراكات", 28 * 12),
    ("اشتغلت 30 سنة", 30 * 12),
])
def test_contribution_years_in_words(text: str, months: int) -> None:
    """Years (and months) of contributions said in the language's own words."""
    assert p.contribution_months(text) == months


@pytest.mark.parametrize("text, age", [
    ("mam 58 lat", 58),
    ("mam 42 lata i dwoje dzieci", 42),
    ("мені 58", 58),
    ("мені 61 рік", 61),
    ("عمري ٥٨", 58),
    ("وعمري 47 سنة", 47),
])
def test_current_age_in_words(text: str, age: int) -> None:
    """'I'm 58' in Polish, Ukrainian and Arabic, Eastern Arabic digits too."""
    assert p.current_age(text) == age


def test_an_age_is_not_contribution_time() -> None:
    """'mam 58 lat' is an age, as "I'm 58 years" is in English."""
    assert p.contribution_months("mam 58 lat") is None


@pytest.mark.parametrize("text, start", [
    ("chce przejsc na emeryture 2 lata wcześniej", (67 - 2) * 12),
    ("30 miesięcy wcześniej", 67 * 12 - 30),
    ("на 18 місяців раніше", 67 * 12 - 18),
    ("w wieku 65 lat", 65 * 12),
    ("у віці 63 роки", 63 * 12),
    ("بعمر 64", 64 * 12),
])
def test_start_age_in_words(text: str, start: int) -> None:
    """Earlier than the state pension age, or at an age."""
    assert p.start_age_months(text) == start


@pytest.mark.parametrize("text, count", [
    ("mam troje dzieci", 3),
    ("2 synów i córka", 2),
    ("у нас 3 дітей", 3),
    ("двоє дітей", 2),
    ("عندي ٣ اولاد", 3),
    ("عندي ولدين", 2),
    ("ما عندي ولاد", 0),
])
def test_children_in_words(text: str, count: int) -> None:
    """How many children, in digits or the language's number words."""
    assert p.children_count(text) == count


@pytest.mark.parametrize("text, amount", [
    ("zarabiam 2400 euro miesięcznie", "2400.00"),
    ("pensja 1800 netto", "1800.00"),
    ("зарплата 2100 євро на місяць", "2100.00"),
    ("راتبي ٢٨٠٠ يورو بالشهر", "2800.00"),
    ("بقبض ١٥٠٠٫٥٠ يورو", "1500.50"),
])
def test_monthly_amount_in_words(text: str, amount: str) -> None:
    """A wage said with the language's words for euros, a month and income."""
    assert p.monthly_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text, size", [
    ("jest nas 4", 4),
    ("mieszkam sama", 1),
    ("нас 5", 5),
    ("я з чоловіком і двоє дітей", 4),
    ("احنا 4", 4),
    ("انا وزوجي و٣ اولاد", 5),
])
def test_household_in_words(text: str, size: int) -> None:
    """People in the home, the citizen included."""
    assert p.household_size(text) == size


def test_housing_roles_in_words() -> None:
    """Rent and income told apart by the language's words."""
    roles = {"rent": p.RENT_WORDS, "income": p.INCOME_WORDS}
    assert p.amounts_by_role("czynsz 750, dochód 1600", roles) == {
        "rent": Decimal("750.00"), "income": Decimal("1600.00")}
    assert p.amounts_by_role("الايجار ٨٠٠ والدخل ١٩٠٠", roles) == {
        "rent": Decimal("800.00"), "income": Decimal("1900.00")}


def test_spouse_in_words() -> None:
    """The citizen's late husband or wife."""
    assert p.spouse_survives("emerytura męża wynosiła 1200")
    assert p.spouse_survives("توفي زوجي")


@pytest.mark.parametrize("text", [
    "I have 28 years of contributions", "i earn 2400 a month", "and i am 40",
])
def test_english_stays_as_it_is(text: str) -> None:
    """English words are never read as another language's (Polish 'i' is 'and')."""
    assert normalise(text) == text.lower()


@pytest.mark.parametrize("text, degree", [
    ("II ступінь", 2),
    ("у мене ІІ група інвалідності", 2),  # Cyrillic І, the group as Ukrainians say it
    ("другий ступінь", 2),
    ("третя група", 3),
    ("stopień II", 2),
    ("mam II stopien", 2),
    ("drugi stopień", 2),
    ("III stopnia z pomocą", 3),
    ("الدرجة الثانية", 2),
    ("درجة ثالثة", 3),
    ("الدرجة II", 2),
])
def test_disability_degree_in_words(text: str, degree: int) -> None:
    """A degree as a Roman numeral or an ordinal word, before or after the word for degree."""
    assert p.disability_degree(text) == degree
    assert p.disability_degree(text, answer=True) == degree
