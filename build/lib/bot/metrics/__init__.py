"""What the assistant is worth: figures from the conversation store (issue 12).

- `bot.metrics.queries`: the SQL aggregations over Rasa's `events` table and
  the project's `outbox` and `handovers` tables (no text leaves the database);
- `bot.metrics.report`: the figures (`compute_metrics`) and cost and benefit;
- `bot.metrics.bench`: a seeded store of many conversations, timed.

No personal data: the figures are counts, rates, intent and action names,
channel names and times; never a message text or a conversation id.
"""

from bot.metrics.report import Period, compute_metrics

__all__ = ["Period", "compute_metrics"]
