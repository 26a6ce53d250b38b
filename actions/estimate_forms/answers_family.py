"""The result of the child benefit and housing allowance estimates.

Child benefit child by child, oldest first, with what changes when the
oldest turns 18 (the "1st child" rule) and the children whose age decides
whether they count. Housing allowance step by step: housing costs, own
share, the household's limits. Then "This is an estimate." with who
decides (a case worker; for housing allowance the Housing Office) and the
next step.
"""

from __future__ import annotations

from typing import Any, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.estimate_forms.base import money, number
from actions.estimates.child_benefit import children_by_age, estimate_child_benefit
from actions.estimates.housing import estimate_housing
from actions.estimates.money import said

__all__ = ["ActionEstimateChildBenefit", "ActionEstimateHousing", "working"]


def working(amounts: List[Any], total: Any) -> List[Any]:
    """An addition written with figures only: "€215.00 + €215.00 + €260.00 = €690.00".

    The parts of one variable (amounts from `said`), written in the language's way.
    """
    parts: List[Any] = []
    for amount in amounts:
        parts += [" + ", amount] if parts else [amount]
    return [*parts, " = ", total]


def _ages(values: List[int]) -> str:
    return ", ".join(str(v) for v in values)


class ActionEstimateChildBenefit(Action):
    """Say the child benefit estimate (child-benefit.md, "How much")."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_estimate_child_benefit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Child by child, the total, and what changes when the oldest turns 18."""
        children = number(tracker.get_slot("estimate_children"))
        if children is None:
            return []
        ages = [int(a) for a in tracker.get_slot("estimate_children_ages") or []]
        by_age = children_by_age(ages) if len(ages) == children else None
        if by_age is not None:
            if by_age.too_old:
                dispatcher.utter_message(response="utter_estimate_child_benefit_too_old",
                                         ages=_ages(by_age.too_old))
            children = by_age.counted
        estimate = estimate_child_benefit(children)
        if children == 0:
            dispatcher.utter_message(response="utter_estimate_child_benefit_none")
        elif children == 1:
            dispatcher.utter_message(response="utter_estimate_child_benefit_one",
                                     monthly=said(estimate.monthly))
        else:
            dispatcher.utter_message(
                response="utter_estimate_child_benefit", children=children,
                monthly=said(estimate.monthly),
                working=working([said(a) for a in estimate.amounts], said(estimate.monthly)),
            )
            after = estimate_child_benefit(children - 1)
            dispatcher.utter_message(response="utter_estimate_child_benefit_oldest_turns_18",
                                     after=said(after.monthly))
        if by_age is not None and by_age.in_education_only:
            dispatcher.utter_message(response="utter_estimate_child_benefit_in_education",
                                     ages=_ages(by_age.in_education_only))
        dispatcher.utter_message(response="utter_estimate_child_benefit_next")
        return []


class ActionEstimateHousing(Action):
    """Say the housing allowance estimate (housing-allowance.md, "How much")."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_estimate_housing"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The income limit, housing costs, own share, the household's maximum."""
        people = number(tracker.get_slot("estimate_household_size"))
        income = money(tracker.get_slot("estimate_household_income"))
        rent = money(tracker.get_slot("estimate_rent"))
        if people is None or income is None:
            return []
        estimate = estimate_housing(people, rent or 0, income)
        values = {
            "people": people, "limit": said(estimate.limit), "income": said(estimate.income),
            "rent": said(estimate.rent), "costs": said(estimate.costs),
            "own_share": said(estimate.own_share), "result": said(estimate.result),
            "maximum": said(estimate.maximum), "monthly": said(estimate.monthly),
        }
        if estimate.income_too_high:
            response = "utter_estimate_housing_income_too_high"
        elif rent is None:
            return []
        elif estimate.below_minimum:
            response = "utter_estimate_housing_below_minimum"
        elif estimate.at_maximum:
            response = "utter_estimate_housing_maximum"
        else:
            response = "utter_estimate_housing"
        dispatcher.utter_message(response=response, **values)
        dispatcher.utter_message(response="utter_estimate_housing_next")
        return []
