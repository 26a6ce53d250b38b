"""The result of the unemployment, sickness and parental benefit estimates.

The wage counted (up to the ceiling), the share paid, the daily rate and
the 2-weekly payment where the benefit is paid every 2 weeks, the rules
that changed a figure (the ceiling, the lowest amount), then "This is an
estimate. A case worker decides." and the next step.
"""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.estimate_forms.base import money, number
from actions.estimates.money import said
from actions.estimates.wage_benefits import (
    CEILING,
    estimate_parental,
    estimate_sickness,
    estimate_unemployment,
)

__all__ = ["ActionEstimateUnemployment", "ActionEstimateSickness", "ActionEstimateParental"]


def _ceiling_note(dispatcher: CollectingDispatcher, wage_above: bool) -> None:
    if wage_above:
        dispatcher.utter_message(response="utter_estimate_wage_ceiling", ceiling=said(CEILING))


class ActionEstimateUnemployment(Action):
    """Say the unemployment benefit estimate (unemployment-benefit.md, "How much")."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_estimate_unemployment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Months 1 to 6, from month 7, and the longest time for the age."""
        wage, age = money(tracker.get_slot("estimate_wage")), number(
            tracker.get_slot("estimate_age"))
        if wage is None or age is None:
            return []
        estimate = estimate_unemployment(wage, age)
        if not estimate.eligible_age:
            dispatcher.utter_message(response="utter_estimate_unemployment_age_limit", age=age)
            dispatcher.utter_message(response="utter_estimate_unemployment_next")
            return []
        first, later = estimate.first, estimate.later
        values = {
            "reference": said(estimate.reference), "age": age,
            "months": estimate.longest_months,
            "first_monthly": said(first.monthly), "first_daily": said(first.daily),
            "first_fortnight": said(first.fortnight),
        }
        lowest = estimate.first_at_floor or estimate.later_at_floor
        if later is None:
            response = ("utter_estimate_unemployment_6_months_lowest" if lowest
                        else "utter_estimate_unemployment_6_months")
        else:
            values.update(later_monthly=said(later.monthly), later_daily=said(later.daily),
                          later_fortnight=said(later.fortnight))
            response = ("utter_estimate_unemployment_lowest" if lowest
                        else "utter_estimate_unemployment")
        dispatcher.utter_message(response=response, **values)
        _ceiling_note(dispatcher, estimate.capped)
        dispatcher.utter_message(response="utter_estimate_unemployment_next")
        return []


class ActionEstimateSickness(Action):
    """Say the sickness benefit estimate (sickness-benefit.md, "How much")."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_estimate_sickness"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """80% of the wage, the daily rate and the 2-weekly payment."""
        wage = money(tracker.get_slot("estimate_wage"))
        if wage is None:
            return []
        estimate = estimate_sickness(wage)
        dispatcher.utter_message(
            response="utter_estimate_sickness", reference=said(estimate.reference),
            monthly=said(estimate.benefit.monthly), daily=said(estimate.benefit.daily),
            fortnight=said(estimate.benefit.fortnight),
        )
        _ceiling_note(dispatcher, estimate.capped)
        dispatcher.utter_message(response="utter_estimate_sickness_next")
        return []


class ActionEstimateParental(Action):
    """Say the parental benefit estimate (parental-benefit.md, "How much")."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_estimate_parental"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """70% of the wage (€700.00 to €2,800.00), full-time and half-time."""
        wage = money(tracker.get_slot("estimate_wage"))
        if wage is None:
            return []
        estimate = estimate_parental(wage)
        dispatcher.utter_message(
            response=("utter_estimate_parental_lowest" if estimate.at_floor
                      else "utter_estimate_parental"),
            reference=said(estimate.reference), monthly=said(estimate.monthly),
            half_time=said(estimate.half_time),
        )
        _ceiling_note(dispatcher, estimate.capped)
        dispatcher.utter_message(response="utter_estimate_parental_next")
        return []
