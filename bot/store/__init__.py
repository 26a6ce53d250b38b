"""The conversation store: one SQL database shared by every channel.

Rasa's SQL tracker store keeps the conversations (table `events`); the
project's own tables (channel identities, processed webhook ids, opt-outs,
outbox, notices) join it in the same database.
"""

from bot.store.db import check_database, create_engine_for, redact_url

__all__ = ["check_database", "create_engine_for", "redact_url"]
