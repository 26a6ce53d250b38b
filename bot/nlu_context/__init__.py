"""A message read in its conversation: the NLU component `ConversationContext`.

config.yml names it `bot.nlu_context.ConversationContext`; it runs after
`bot.nlu.AnswerClassifier` and changes the classifier's reading only where
the conversation so far says more than the message alone. One module per
part:

- `component`: the Rasa component (training, loading, the order of readings);
- `offers`: readings 1-3, a reply to what the bot offered (a button's number,
  "yes", an ID number or date that starts the offered request);
- `follow_ups`: readings 4-5, a question inside a request and a follow-up
  to the last answer (or to the last personal estimate);
- `answer_words`: the answers' own words, to pick the answer a follow-up asks;
- `parse_data`: reading and rewriting what the classifier wrote on a message.

The tracker itself is read by `bot.conversation_context`.
"""

from bot.nlu_context.component import ConversationContext

__all__ = ["ConversationContext"]
