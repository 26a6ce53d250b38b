"""The policy: Rasa's RulePolicy, with a new conversation's privacy notice told first.

config.yml names it instead of `RulePolicy`. The privacy notice of a new
conversation must be said in the language of the message that starts it,
and Rasa starts a conversation (`action_session_start`) before it reads that
message: the session start marks the notice due (slot `privacy_notice_due`)
and this policy runs the notice (`action_privacy_notice`,
actions/language.py) as the first action after that message, then goes on
as RulePolicy would have without it. So the action server is called for the
notice once a conversation, where a slot-mapping action
(`action_validate_slot_mappings`) would be called after every message.

- The notice is predicted when it is due, right after a citizen's message
  (the latest action is `action_listen`), unless that message's intent
  answers first (`first_intents`: the crisis line, service-standards.md;
  the notice then waits for the next message) or is one of Rasa's default
  intents (`/restart`, `/session_start`, `/back`), whose default actions
  Rasa runs only right after a message.
- The rules never see the notice: its turn is left out of the states they
  are matched against, so "intent: pension, action: utter_pension" matches
  whether the notice came between them or not, in this turn and the next.

Rasa's training-time validator looks for `RulePolicy` by its exact class
(`node.uses == RulePolicy`) and would warn that the default intents
(`/restart`, `/back`) lose their actions: this subclass keeps RulePolicy's
handling of them (tests/unit/test_notice_first.py), so that one warning is
filtered here, by its text.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import DEFAULT_ACTION_MAPPINGS, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME, PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ACTION_NAME, INTENT_NAME_KEY

__all__ = ["NoticeFirstRulePolicy", "NOTICE_SOURCE"]

warnings.filterwarnings(
    "ignore", message="'RulePolicy' is not included in the model's policy configuration")

# The prediction's source (RulePolicy's rule key, shown in Rasa's debug log).
NOTICE_SOURCE = "privacy notice due"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class NoticeFirstRulePolicy(RulePolicy):
    """RulePolicy that runs a due privacy notice before the first answer of a conversation."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """RulePolicy's, with the notice's action and slot and the intents answered first."""
        return {
            **RulePolicy.get_default_config(),
            "notice_action": "action_privacy_notice",
            "notice_slot": "privacy_notice_due",
            "first_intents": ["self_harm"],
        }

    def notice_due(self, tracker: DialogueStateTracker) -> bool:
        """Whether the notice is the next action: due, and a message just read."""
        if tracker.get_slot(self.config["notice_slot"]) is not True:
            return False
        if tracker.latest_action_name != ACTION_LISTEN_NAME or not tracker.latest_message:
            return False
        intent = tracker.latest_message.intent.get(INTENT_NAME_KEY)
        return intent not in self.config["first_intents"] and intent not in DEFAULT_ACTION_MAPPINGS

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """The notice when it is due, else RulePolicy's prediction."""
        if self.notice_due(tracker):
            return self._rule_prediction(
                self._prediction_result(self.config["notice_action"], tracker, domain),
                NOTICE_SOURCE,
            )
        return super().predict_action_probabilities(tracker, domain, rule_only_data, **kwargs)

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        """RulePolicy's states without the notice's: the rules match as if it never ran."""
        states = super()._prediction_states(
            tracker, domain, use_text_for_last_user_input, rule_only_data)
        notice = self.config["notice_action"]
        return [state for state in states
                if state.get(PREVIOUS_ACTION, {}).get(ACTION_NAME) != notice]
