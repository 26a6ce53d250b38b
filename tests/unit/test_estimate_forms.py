"""The estimate forms: figures read from any message, asked when missing, checked plainly."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.citizen_requests.dialogue import ActionCancelRequest
from actions.estimate_forms.forms import (
    ValidateChildBenefitEstimateForm,
    ValidateDisabilityEstimateForm,
    ValidateHousingEstimateForm,
    ValidatePensionEstimateForm,
    ValidateSurvivorsEstimateForm,
    ValidateUnemploymentEstimateForm,
)
from bot.i18n.catalogue import default_catalogue

FIRST = "I have 28 years of contributions and want to stop at 65, what would I get?"


def domain_of(*forms: Any) -> Dict[str, Any]:
    return {"forms": {f.form_name(): {"required_slots": [q.slot for q in f.questions()]}
                      for f in forms}, "slots": {}}


def tracker(form: Any, text: str, slots: Optional[Dict[str, Any]] = None,
            requested: Optional[str] = None, intent: str = "inform",
            selector: Optional[dict] = None, candidate: bool = True) -> Tracker:
    """A conversation with `form` active; `requested` answered by `text` (from_text)."""
    slots = dict(slots or {})
    events: List[Dict[str, Any]] = [{"event": "user", "text": text}]
    if requested:
        slots["requested_slot"] = requested
        if candidate:
            slots[requested] = text
            events.append({"event": "slot", "name": requested, "value": text})
    latest: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.95}}
    if selector:
        latest["response_selector"] = selector
    return Tracker(
        sender_id="citizen-1", slots=slots, latest_message=latest, events=events, paused=False,
        followup_action=None, active_loop={"name": form.form_name()},
        latest_action_name="action_listen",
    )


async def run(form: Any, t: Tracker) -> tuple:
    dispatcher = CollectingDispatcher()
    events = await form.run(dispatcher, t, domain_of(form))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return slots, [m.get("response") for m in dispatcher.messages], dispatcher.messages


async def test_the_first_message_fills_both_figures_and_nothing_is_asked() -> None:
    form = ValidatePensionEstimateForm()
    slots, said, _ = await run(form, tracker(form, FIRST))
    assert slots["estimate_contribution_months"] == 28 * 12
    assert slots["estimate_start_age"] == 65 * 12
    assert slots["requested_slot"] is None and said == []


async def test_a_question_without_figures_asks_the_years_first() -> None:
    form = ValidatePensionEstimateForm()
    slots, said, _ = await run(form, tracker(form, "how much pension would i get"))
    assert slots["requested_slot"] == "estimate_contribution_months" and said == []


async def test_the_answer_to_the_question_is_read_as_a_bare_number() -> None:
    form = ValidatePensionEstimateForm()
    t = tracker(form, "28 years and 7 months", requested="estimate_contribution_months")
    slots, said, _ = await run(form, t)
    assert slots["estimate_contribution_months"] == 343
    assert slots["requested_slot"] == "estimate_start_age"


async def test_a_wrong_answer_gets_a_plain_message_and_the_question_again() -> None:
    form = ValidatePensionEstimateForm()
    t = tracker(form, "blue", requested="estimate_contribution_months")
    slots, said, _ = await run(form, t)
    assert said == ["utter_estimate_invalid_years"]
    assert slots["estimate_contribution_months"] is None
    assert slots["requested_slot"] == "estimate_contribution_months"


async def test_dont_know_points_to_the_contribution_statement() -> None:
    form = ValidatePensionEstimateForm()
    t = tracker(form, "no idea", requested="estimate_contribution_months", intent="deny")
    assert (await run(form, t))[1] == ["utter_estimate_years_unknown"]


async def test_a_policy_question_in_the_middle_is_answered_and_the_form_goes_on() -> None:
    form = ValidatePensionEstimateForm()
    selector = {"pension": {"response": {"utter_action": "utter_pension/payment"}}}
    t = tracker(form, "when is my pension paid", requested="estimate_contribution_months",
                intent="pension", selector=selector)
    slots, said, _ = await run(form, t)
    assert said == ["utter_pension/payment"]
    assert slots["requested_slot"] == "estimate_contribution_months"


async def test_a_start_before_63_is_refused_with_the_rule() -> None:
    form = ValidatePensionEstimateForm()
    t = tracker(form, "60", {"estimate_contribution_months": 336}, requested="estimate_start_age")
    slots, said, _ = await run(form, t)
    assert said == ["utter_estimate_start_age_too_early"] and slots["estimate_start_age"] is None


async def test_a_correction_given_with_another_answer_is_taken() -> None:
    form = ValidatePensionEstimateForm()
    t = tracker(form, "at 64, and it is 30 years not 28", {"estimate_contribution_months": 336},
                requested="estimate_start_age")
    slots, _, _ = await run(form, t)
    assert slots["estimate_start_age"] == 64 * 12


async def test_below_5_years_the_start_age_is_not_asked() -> None:
    form = ValidatePensionEstimateForm()
    slots, _, _ = await run(form, tracker(form, "i have 4 years of contributions"))
    assert slots["estimate_contribution_months"] == 48 and slots["requested_slot"] is None


async def test_survivors_worked_example_in_one_message_asks_nothing() -> None:
    form = ValidateSurvivorsEstimateForm()
    text = "My husband died, his pension was €1,184 a month. Our son is 16."
    slots, said, _ = await run(form, tracker(form, text))
    assert slots["estimate_deceased_pension"] == "1184.00"
    assert slots["estimate_is_spouse"] is True and slots["estimate_orphans"] == 1
    assert slots["requested_slot"] is None


async def test_survivors_contribution_years_give_the_earned_pension() -> None:
    form = ValidateSurvivorsEstimateForm()
    t = tracker(form, "32 years", requested="estimate_deceased_pension")
    slots, said, messages = await run(form, t)
    assert slots["estimate_deceased_pension"] == "1184.00"
    assert said == ["utter_estimate_survivors_earned_pension"]
    assert default_catalogue().render(messages[0]["pension"], "en") == "€1,184.00"


async def test_a_bare_small_number_is_not_taken_for_a_pension() -> None:
    form = ValidateSurvivorsEstimateForm()
    t = tracker(form, "32", requested="estimate_deceased_pension")
    slots, said, _ = await run(form, t)
    assert said == ["utter_estimate_survivors_pension_too_low"]
    assert slots["estimate_deceased_pension"] is None


async def test_children_without_a_spouse_are_asked_about_both_parents() -> None:
    form = ValidateSurvivorsEstimateForm()
    t = tracker(form, "2", {"estimate_deceased_pension": "1000.00", "estimate_is_spouse": False},
                requested="estimate_orphans")
    slots, _, _ = await run(form, t)
    assert slots["requested_slot"] == "estimate_both_parents_died"


async def test_disability_below_40_percent_does_not_ask_about_help() -> None:
    form = ValidateDisabilityEstimateForm()
    slots, _, _ = await run(form, tracker(form, "my work capacity is 30% less, what do i get"))
    assert slots["estimate_disability_degree"] == 0 and slots["requested_slot"] is None


async def test_children_and_their_ages_from_one_message() -> None:
    form = ValidateChildBenefitEstimateForm()
    slots, _, _ = await run(form, tracker(form, "I have 3 kids aged 15, 11 and 4"))
    assert slots["estimate_children"] == 3
    assert slots["estimate_children_ages"] == [15, 11, 4]


async def test_housing_over_the_income_limit_does_not_ask_the_rent() -> None:
    form = ValidateHousingEstimateForm()
    slots, _, _ = await run(form, tracker(form, "i live alone and earn 2000 a month"))
    assert slots["estimate_household_size"] == 1
    assert slots["estimate_household_income"] == "2000.00"
    assert slots["requested_slot"] is None


async def test_unemployment_asks_the_age_after_the_wage() -> None:
    form = ValidateUnemploymentEstimateForm()
    slots, _, _ = await run(form, tracker(form, "i lost my job, i earned €3,000 a month"))
    assert slots["estimate_wage"] == "3000.00" and slots["requested_slot"] == "estimate_age"


async def test_a_figure_kept_from_an_earlier_estimate_is_used_again() -> None:
    form = ValidatePensionEstimateForm()
    t = tracker(form, "what if i start at 66", {"estimate_contribution_months": 336})
    slots, _, _ = await run(form, t)
    assert slots["estimate_start_age"] == 66 * 12 and slots["requested_slot"] is None


class TestCancel:
    async def test_cancel_stops_the_estimate_and_forgets_its_figures(self) -> None:
        form = ValidatePensionEstimateForm()
        t = tracker(form, "cancel", {"estimate_contribution_months": 336},
                    requested="estimate_start_age", intent="cancel", candidate=False)
        dispatcher = CollectingDispatcher()
        events = await ActionCancelRequest().run(dispatcher, t, {})
        assert dispatcher.messages[0]["response"] == "utter_estimate_cancelled"
        assert ActiveLoop(None) in events
        assert SlotSet("estimate_contribution_months", None) in events

    async def test_i_dont_know_read_as_cancel_does_not_stop_it(self) -> None:
        form = ValidatePensionEstimateForm()
        t = tracker(form, "i don't know", requested="estimate_contribution_months",
                    intent="cancel", candidate=False)
        dispatcher = CollectingDispatcher()
        assert await ActionCancelRequest().run(dispatcher, t, {}) == []
        assert dispatcher.messages[0]["response"] == "utter_estimate_years_unknown"


def _after(form: Any, earlier: str, intent: str, text: str) -> Tracker:
    """`text` starts `form` right after the citizen asked `earlier` (classified as `intent`)."""
    events: List[Dict[str, Any]] = [
        {"event": "user", "text": earlier, "parse_data": {"intent": {"name": intent}}},
        {"event": "bot", "text": "the answer"},
        {"event": "user", "text": text,
         "parse_data": {"intent": {"name": "estimate_survivors"}}},
    ]
    return Tracker(sender_id="citizen-1", slots={}, latest_message={
        "text": text, "intent": {"name": "estimate_survivors", "confidence": 0.9}},
        events=events, paused=False, followup_action=None, active_loop={},
        latest_action_name="action_listen")


async def test_what_the_question_before_said_is_not_asked_again() -> None:
    """"my husband died ..." answered, then "his pension was 1200": the spouse is known."""
    form = ValidateSurvivorsEstimateForm()
    t = _after(form, "my husband died, can i get survivors pension?", "survivors",
               "his pension was 1200 euro")
    slots, said, _ = await run(form, t)
    assert slots["estimate_deceased_pension"] == "1200.00"
    assert slots["estimate_is_spouse"] is True
    assert slots["requested_slot"] == "estimate_orphans"


async def test_a_question_before_about_another_benefit_is_not_read() -> None:
    form = ValidateSurvivorsEstimateForm()
    t = _after(form, "my husband and i have 2 kids, how much child benefit", "child_benefit",
               "his pension was 1200 euro")
    slots, _, _ = await run(form, t)
    assert "estimate_is_spouse" not in slots and "estimate_orphans" not in slots
    assert slots["requested_slot"] == "estimate_is_spouse"
