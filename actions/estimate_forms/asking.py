"""Questions that first say what the figures given so far already show.

- Contribution years, when the start age is known: "Starting 24 months
  before 67 means 9.6% less, for life."
- Start age, when the years are known: "With 28 contribution years, your
  pension at 67 would be €1,036.00 a month."
- Household income, when the household is known: its income limit and
  highest allowance.
- Daily help (the care supplement), when the degree is known: its amount.
- The wage, in the words of each benefit (its reference period).
- The age for unemployment benefit, when the wage is known: the benefit of
  months 1 to 6 (a month and every 2 weeks), which the age does not change.
- The children of a person who died, when a spouse gave the pension: the
  spouse's pension (55%), which children change only when there are 3 or
  more (the 100% limit).
"""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.estimate_forms.base import money, number
from actions.estimates.disability import DEGREE_AMOUNTS
from actions.estimates.housing import income_limit, maximum_allowance
from actions.estimates.money import percent, said
from actions.estimates.pension import EARLIEST_AGE, counted_years, estimate_pension
from actions.estimates.survivors import SPOUSE_RATE, estimate_survivors
from actions.estimates.wage_benefits import estimate_unemployment

__all__ = [
    "ActionAskContributionMonths",
    "ActionAskStartAge",
    "ActionAskHouseholdIncome",
    "ActionAskWage",
    "ActionAskUnemploymentAge",
    "ActionAskCareSupplement",
    "ActionAskOrphans",
    "ROMAN",
    "WAGE_QUESTIONS",
]

ROMAN = {1: "I", 2: "II", 3: "III"}

# The wage each benefit counts (its reference wage).
WAGE_QUESTIONS = {
    "unemployment_estimate_form": "utter_ask_estimate_wage_unemployment",
    "sickness_estimate_form": "utter_ask_estimate_wage_sickness",
    "parental_estimate_form": "utter_ask_estimate_wage_parental",
}


class ActionAskContributionMonths(Action):
    """Ask the contribution years; with a start age, first what it changes."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_estimate_contribution_months"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The effect of the start age (if any), then the question."""
        start = number(tracker.get_slot("estimate_start_age"))
        if start is not None and start >= EARLIEST_AGE:
            # The rate does not depend on the years: any number shows it.
            effect = estimate_pension(40 * 12, start)
            if effect.months_early:
                dispatcher.utter_message(
                    response="utter_estimate_pension_early_start",
                    months_early=effect.months_early, rate=percent(-effect.rate),
                )
            elif effect.months_late:
                dispatcher.utter_message(
                    response="utter_estimate_pension_later_start",
                    months_late=effect.months_late, rate=percent(effect.rate),
                )
        dispatcher.utter_message(response="utter_ask_estimate_contribution_months")
        return []


class ActionAskStartAge(Action):
    """Ask the start age; first the pension at 67 of the years given."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_estimate_start_age"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The pension at 67, then the question."""
        months = number(tracker.get_slot("estimate_contribution_months"))
        if months is not None and months >= 0:  # the form takes no negative months
            at_67 = estimate_pension(months, None)
            dispatcher.utter_message(
                response="utter_estimate_pension_at_67",
                years=counted_years(months).years, at_67=said(at_67.at_67),
            )
        dispatcher.utter_message(response="utter_ask_estimate_start_age")
        return []


class ActionAskHouseholdIncome(Action):
    """Ask the household income; first the household's limits."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_estimate_household_income"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The income limit and highest allowance for the household, then the question."""
        people = number(tracker.get_slot("estimate_household_size"))
        if people:
            dispatcher.utter_message(
                response="utter_estimate_housing_limits", people=people,
                limit=said(income_limit(people)), maximum=said(maximum_allowance(people)),
            )
        dispatcher.utter_message(response="utter_ask_estimate_household_income")
        return []


class ActionAskWage(Action):
    """Ask the gross monthly wage over the period the benefit counts."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_estimate_wage"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The question of the active form."""
        form = (tracker.active_loop or {}).get("name") or ""
        dispatcher.utter_message(
            response=WAGE_QUESTIONS.get(form, "utter_ask_estimate_wage_unemployment")
        )
        return []


class ActionAskUnemploymentAge(Action):
    """Ask the age on the first day without work; first the benefit the wage gives."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_estimate_age"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Months 1 to 6 of the wage given (if any), then the question."""
        wage = money(tracker.get_slot("estimate_wage"))
        if wage is not None:
            # Months 1 to 6 are the same at any age the benefit is paid at.
            first = estimate_unemployment(wage, 40)
            dispatcher.utter_message(
                response="utter_estimate_unemployment_first_months",
                reference=said(first.reference), first_monthly=said(first.first.monthly),
                first_fortnight=said(first.first.fortnight),
            )
        dispatcher.utter_message(response="utter_ask_estimate_age")
        return []


class ActionAskCareSupplement(Action):
    """Ask about daily help; first the amount of the degree given."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_estimate_care_supplement"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The degree's amount, then the question."""
        degree = number(tracker.get_slot("estimate_disability_degree"))
        if degree in DEGREE_AMOUNTS:
            dispatcher.utter_message(response="utter_estimate_disability_degree_amount",
                                     degree=ROMAN[degree], amount=said(DEGREE_AMOUNTS[degree]))
        dispatcher.utter_message(response="utter_ask_estimate_care_supplement")
        return []


class ActionAskOrphans(Action):
    """Ask about the children; first a spouse's own share of the pension given."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_estimate_orphans"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The spouse's pension (if the citizen is the spouse), then the question."""
        pension = money(tracker.get_slot("estimate_deceased_pension"))
        if pension is not None and tracker.get_slot("estimate_is_spouse") is True:
            alone = estimate_survivors(pension, spouse=True, orphans=0)
            dispatcher.utter_message(
                response="utter_estimate_survivors_spouse_share", rate=percent(SPOUSE_RATE),
                pension=said(alone.pension), amount=said(alone.spouse or alone.total),
            )
        dispatcher.utter_message(response="utter_ask_estimate_orphans")
        return []
