"""The result of the old-age pension, survivors' pension and disability estimates.

Each says the figure with its working, any rule that changed a figure (the
leftover months, the 40-year cap, the 36-month cap), then "This is an
estimate. A case worker decides." and the next step. Every text is a
response in data/core/estimates.yml.
"""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.estimate_forms.asking import ROMAN
from actions.estimate_forms.base import money, number
from actions.estimates.disability import estimate_disability
from actions.estimates.money import percent, said
from actions.estimates.pension import FULL_YEARS, PER_YEAR, estimate_pension
from actions.estimates.survivors import estimate_survivors

__all__ = ["ActionEstimatePension", "ActionEstimateSurvivors", "ActionEstimateDisability"]

class ActionEstimatePension(Action):
    """Say the old-age pension estimate (old-age-pension.md, "How much")."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_estimate_pension"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The pension at 67, the change for an earlier or later start, the result."""
        months = number(tracker.get_slot("estimate_contribution_months"))
        if months is None:
            return []
        estimate = estimate_pension(months, number(tracker.get_slot("estimate_start_age")))
        counted = estimate.years
        if not estimate.eligible:
            dispatcher.utter_message(response="utter_estimate_pension_too_few_years",
                                     months=months)
            dispatcher.utter_message(response="utter_estimate_pension_next")
            return []
        values = {
            "years": counted.years, "per_year": said(PER_YEAR), "at_67": said(estimate.at_67),
            "monthly": said(estimate.monthly), "change": said(estimate.change),
            "rate": percent(abs(estimate.rate)), "months_early": estimate.months_early,
            "months_late": estimate.months_late,
            "months_counted": estimate.late_months_counted,
        }
        if estimate.months_early:
            dispatcher.utter_message(response="utter_estimate_pension_early", **values)
        elif estimate.months_late:
            dispatcher.utter_message(response="utter_estimate_pension_later", **values)
        else:
            dispatcher.utter_message(response="utter_estimate_pension", **values)
        if counted.capped:
            dispatcher.utter_message(response="utter_estimate_pension_40_years",
                                     whole_years=counted.whole_years, full_years=FULL_YEARS)
        elif counted.leftover_months:
            dispatcher.utter_message(
                response=("utter_estimate_pension_months_counted" if counted.rounded_up
                          else "utter_estimate_pension_months_not_counted"),
                whole_years=counted.whole_years, leftover=counted.leftover_months,
                years=counted.years,
            )
        if estimate.months_late > estimate.late_months_counted:
            dispatcher.utter_message(response="utter_estimate_pension_after_70")
        dispatcher.utter_message(response="utter_estimate_pension_next")
        return []


class ActionEstimateSurvivors(Action):
    """Say the survivors' pension estimate (survivors-pension.md, "How much")."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_estimate_survivors"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Each survivor's share and amount, reduced alike above 100%."""
        pension = money(tracker.get_slot("estimate_deceased_pension"))
        if pension is None:
            return []
        spouse = tracker.get_slot("estimate_is_spouse") is True
        orphans = number(tracker.get_slot("estimate_orphans")) or 0
        both = tracker.get_slot("estimate_both_parents_died") is True and not spouse
        if not spouse and not orphans:
            dispatcher.utter_message(response="utter_estimate_survivors_nobody")
            dispatcher.utter_message(response="utter_estimate_survivors_next")
            return []
        estimate = estimate_survivors(pension, spouse, orphans, both)
        values = {
            "pension": said(estimate.pension), "spouse": said(estimate.spouse or 0),
            "orphan": said(estimate.orphan or 0), "orphans": orphans,
            "spouse_rate": percent(round(estimate.spouse_rate or 0, 2)),
            "orphan_rate": percent(round(estimate.orphan_rate, 2)),
            "total": said(estimate.total), "total_rate": percent(estimate.total_rate),
        }
        if estimate.reduced:
            response = ("utter_estimate_survivors_reduced" if spouse
                        else "utter_estimate_survivors_children_reduced")
        elif spouse and orphans:
            response = "utter_estimate_survivors_both"
        elif spouse:
            response = "utter_estimate_survivors_spouse"
        else:
            response = "utter_estimate_survivors_children"
        dispatcher.utter_message(response=response, **values)
        dispatcher.utter_message(response="utter_estimate_survivors_next")
        return []


class ActionEstimateDisability(Action):
    """Say the disability benefit estimate (disability-benefit.md, "How much")."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_estimate_disability"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The degree's amount, with the care supplement if help is needed every day."""
        degree = number(tracker.get_slot("estimate_disability_degree"))
        if degree is None:
            return []
        if degree == 0:
            dispatcher.utter_message(response="utter_estimate_disability_below_40")
        else:
            care = tracker.get_slot("estimate_care_supplement") is True
            estimate = estimate_disability(degree, care)
            dispatcher.utter_message(
                response=("utter_estimate_disability_with_care" if care
                          else "utter_estimate_disability"),
                degree=ROMAN[degree], amount=said(estimate.amount), care=said(estimate.care),
                monthly=said(estimate.monthly),
            )
        dispatcher.utter_message(response="utter_estimate_disability_next")
        return []
