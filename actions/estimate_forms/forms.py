"""The questions of each estimate (the rules are in `actions.estimates`).

- pension: contribution years, then the age it starts.
- survivors: the pension of the person who died, spouse, children, and
  whether both parents died (only for children without a spouse).
- disability: degree (or the reduction in work capacity), daily help.
- child benefit: number of children (their ages if given).
- unemployment: gross monthly wage, age on the first day without work.
- sickness, parental: gross monthly wage.
- housing: people in the home, household income, rent (not asked when the
  income is already over the limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, Optional, Sequence, Text, Tuple, Union

from rasa_sdk import Tracker

from actions.estimate_forms.base import EstimateForm, Question, money, number, store_money
from actions.estimates import parsing
from actions.estimates.disability import degree_for_reduction
from actions.estimates.housing import income_limit
from actions.estimates.money import said
from actions.estimates.pension import EARLIEST_AGE, MIN_MONTHS, counted_years, pension_at_67
from actions.validation import ValidationError, yes_no

__all__ = [
    "ValidatePensionEstimateForm",
    "ValidateSurvivorsEstimateForm",
    "ValidateDisabilityEstimateForm",
    "ValidateChildBenefitEstimateForm",
    "ValidateUnemploymentEstimateForm",
    "ValidateSicknessEstimateForm",
    "ValidateParentalEstimateForm",
    "ValidateHousingEstimateForm",
    "EarnedPension",
    "HIGHEST_PENSION",
    "LOWEST_PENSION",
    "ESTIMATE_FORM_CLASSES",
]

MAX_CONTRIBUTION_MONTHS = 60 * 12
MAX_AGE = 110
MAX_CHILDREN = 20
MAX_HOUSEHOLD = 20
MAX_AMOUNT = Decimal("1000000")
# The full pension started at 70: €1,480.00 + 18%; the 5-year pension
# started at 63: €185.00 − 19.2%.
HIGHEST_PENSION = Decimal("1746.40")
LOWEST_PENSION = Decimal("149.48")


def _yes_no(explicit: Any) -> Any:
    """An answer "1 Yes 2 No"; from any other message, what `explicit` finds."""

    def read(text: Text, answer: bool) -> Optional[bool]:
        found = explicit(text)
        if found is not None or not answer:
            return found
        try:
            return yes_no(text)
        except ValidationError:
            return None

    return read


def _amount_check(value: Decimal) -> Optional[Text]:
    return "utter_estimate_invalid_amount" if value > MAX_AMOUNT else None


def _wage() -> Question:
    return Question("estimate_wage", parsing.monthly_amount, check=_amount_check,
                    invalid="utter_estimate_invalid_amount", store=store_money)


# --- old-age pension ----------------------------------------------------------------


def _years_check(months: int) -> Optional[Text]:
    return "utter_estimate_invalid_years" if months > MAX_CONTRIBUTION_MONTHS else None


def _start_check(months: int) -> Optional[Text]:
    if months < EARLIEST_AGE:
        return "utter_estimate_start_age_too_early"
    return "utter_estimate_invalid_start_age" if months > MAX_AGE * 12 else None


def _enough_years(tracker: Tracker) -> bool:
    months = number(tracker.get_slot("estimate_contribution_months"))
    return months is None or months >= MIN_MONTHS


class ValidatePensionEstimateForm(EstimateForm):
    """Old-age pension: contribution years and the age it starts."""

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_pension_estimate_form"

    def questions(self) -> Sequence[Question]:
        """Years first; no start age below the 5-year minimum."""
        return (
            Question("estimate_contribution_months", parsing.contribution_months,
                     check=_years_check, invalid="utter_estimate_invalid_years",
                     unknown="utter_estimate_years_unknown"),
            Question("estimate_start_age", parsing.start_age_months, check=_start_check,
                     invalid="utter_estimate_invalid_start_age", when=_enough_years),
        )


# --- survivors' pension ---------------------------------------------------------------


@dataclass(frozen=True)
class EarnedPension:
    """The pension earned by the date of death, from contribution months."""

    months: int

    @property
    def amount(self) -> Decimal:
        """€37.00 a counted year, no early-pension reduction."""
        return pension_at_67(self.months)


_CONTRIBUTED = re.compile(r"contribut|paid in|worked|insured|insurance")


def _deceased_pension(text: Text, answer: bool) -> Union[None, Decimal, EarnedPension]:
    months = parsing.contribution_months(text)
    if months is not None and (answer or _CONTRIBUTED.search(text.lower())):
        return EarnedPension(months)
    return parsing.monthly_amount(text, answer=answer)


def _deceased_check(value: Union[Decimal, EarnedPension]) -> Optional[Text]:
    if isinstance(value, EarnedPension):
        return "utter_estimate_survivors_too_few_years" if value.months < MIN_MONTHS else None
    if value < LOWEST_PENSION:
        # "32" is more likely contribution years than a pension of €32.00.
        return "utter_estimate_survivors_pension_too_low"
    return "utter_estimate_survivors_pension_too_high" if value > HIGHEST_PENSION else None


def _deceased_store(value: Union[Decimal, EarnedPension]) -> Text:
    return store_money(value.amount if isinstance(value, EarnedPension) else value)


def _deceased_note(value: Any) -> Optional[Tuple[Text, Dict[Text, Any]]]:
    if not isinstance(value, EarnedPension):
        return None
    return "utter_estimate_survivors_earned_pension", {
        "years": counted_years(value.months).years, "pension": said(value.amount)
    }


def _orphans_asked_about_parents(tracker: Tracker) -> bool:
    return (tracker.get_slot("estimate_is_spouse") is False
            and (number(tracker.get_slot("estimate_orphans")) or 0) > 0)


def _count_check(value: int) -> Optional[Text]:
    return "utter_estimate_invalid_children" if value > MAX_CHILDREN else None


class ValidateSurvivorsEstimateForm(EstimateForm):
    """Survivors' pension: the pension of the person who died and who survives them."""

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_survivors_estimate_form"

    def questions(self) -> Sequence[Question]:
        """Pension (or contribution years), spouse, children, both parents died."""
        return (
            Question("estimate_deceased_pension", _deceased_pension, check=_deceased_check,
                     invalid="utter_estimate_invalid_amount", store=_deceased_store,
                     note=_deceased_note),
            Question("estimate_is_spouse", _yes_no(parsing.spouse_survives),
                     invalid="utter_estimate_invalid_yes_no"),
            Question("estimate_orphans", parsing.orphans_count, check=_count_check,
                     invalid="utter_estimate_invalid_children"),
            Question("estimate_both_parents_died", _yes_no(parsing.both_parents_died),
                     invalid="utter_estimate_invalid_yes_no",
                     when=_orphans_asked_about_parents),
        )


# --- disability benefit ----------------------------------------------------------------


def _degree(text: Text, answer: bool) -> Optional[int]:
    found = parsing.disability_degree(text, answer=answer)
    if found is not None or not answer:
        return found
    bare = text.strip(" .%!").lower()
    if bare.isdigit() and 4 <= int(bare) <= 100:
        return degree_for_reduction(int(bare)) or 0
    return None


def _has_degree(tracker: Tracker) -> bool:
    degree = number(tracker.get_slot("estimate_disability_degree"))
    return degree is None or degree > 0


class ValidateDisabilityEstimateForm(EstimateForm):
    """Disability benefit: degree and the care supplement."""

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_disability_estimate_form"

    def questions(self) -> Sequence[Question]:
        """Degree (or reduction), then daily help (not asked below 40%)."""
        return (
            Question("estimate_disability_degree", _degree,
                     invalid="utter_estimate_invalid_degree"),
            Question("estimate_care_supplement", _yes_no(parsing.care_supplement),
                     invalid="utter_estimate_invalid_yes_no", when=_has_degree),
        )


# --- child benefit ------------------------------------------------------------------


def _ages(text: Text) -> Dict[Text, Any]:
    ages = parsing.children_ages(text)
    return {"estimate_children_ages": ages} if ages else {}


class ValidateChildBenefitEstimateForm(EstimateForm):
    """Child benefit: the number of children (and their ages, if given)."""

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_child_benefit_estimate_form"

    def questions(self) -> Sequence[Question]:
        """How many children."""
        return (
            Question("estimate_children", parsing.children_count, check=_count_check,
                     invalid="utter_estimate_invalid_children", extra=_ages),
        )


# --- unemployment, sickness and parental benefit --------------------------------------


def _age_check(age: int) -> Optional[Text]:
    return "utter_estimate_invalid_age" if not 14 <= age <= MAX_AGE else None


class ValidateUnemploymentEstimateForm(EstimateForm):
    """Unemployment benefit: wage and age."""

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_unemployment_estimate_form"

    def questions(self) -> Sequence[Question]:
        """Wage, then age."""
        return (
            _wage(),
            Question("estimate_age", parsing.current_age, check=_age_check,
                     invalid="utter_estimate_invalid_age"),
        )


class ValidateSicknessEstimateForm(EstimateForm):
    """Sickness benefit: wage."""

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_sickness_estimate_form"

    def questions(self) -> Sequence[Question]:
        """The wage of the last 3 months."""
        return (_wage(),)


class ValidateParentalEstimateForm(EstimateForm):
    """Parental benefit: wage."""

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_parental_estimate_form"

    def questions(self) -> Sequence[Question]:
        """The wage of the 12 months before the birth or adoption."""
        return (_wage(),)


# --- housing allowance -------------------------------------------------------------------


_HOUSING_ROLES = {"rent": parsing.RENT_WORDS, "income": parsing.INCOME_WORDS}


def _role(role: Text) -> Any:
    def read(text: Text, answer: bool) -> Optional[Decimal]:
        if answer:
            return parsing.monthly_amount(text, answer=True)
        return parsing.amounts_by_role(text, _HOUSING_ROLES).get(role)

    return read


def _household_check(people: int) -> Optional[Text]:
    return "utter_estimate_invalid_household" if not 1 <= people <= MAX_HOUSEHOLD else None


def _rent_needed(tracker: Tracker) -> bool:
    people = number(tracker.get_slot("estimate_household_size"))
    income = money(tracker.get_slot("estimate_household_income"))
    return people is None or income is None or income < income_limit(people)


class ValidateHousingEstimateForm(EstimateForm):
    """Housing allowance: household, income, rent."""

    def name(self) -> Text:
        """Name of the validation action."""
        return "validate_housing_estimate_form"

    def questions(self) -> Sequence[Question]:
        """People, income, then rent (not needed over the income limit)."""
        return (
            Question("estimate_household_size", parsing.household_size, check=_household_check,
                     invalid="utter_estimate_invalid_household"),
            Question("estimate_household_income", _role("income"), check=_amount_check,
                     invalid="utter_estimate_invalid_amount", store=store_money),
            Question("estimate_rent", _role("rent"), check=_amount_check,
                     invalid="utter_estimate_invalid_amount", store=store_money,
                     when=_rent_needed),
        )


# Each estimate form's name and its validation (ESTIMATE_FORMS in base.py).
ESTIMATE_FORM_CLASSES = {
    form().form_name(): form
    for form in (
        ValidatePensionEstimateForm, ValidateSurvivorsEstimateForm,
        ValidateDisabilityEstimateForm, ValidateChildBenefitEstimateForm,
        ValidateUnemploymentEstimateForm, ValidateSicknessEstimateForm,
        ValidateParentalEstimateForm, ValidateHousingEstimateForm,
    )
}
