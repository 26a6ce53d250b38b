"""The project's own tables, next to Rasa's `events` in the same database.

Rasa's SQL tracker store owns `events`; nothing here names it, and the
migrations (`bot/store/migrations`) only ever create, change or drop the
tables of `metadata`. The channel tables of a later change (channel
identities, opt-outs, notices) join `metadata` with a new revision.

Times are stored in UTC (`UtcDateTime`): PostgreSQL keeps `timestamptz`,
SQLite keeps naive UTC text, and both come back as aware UTC datetimes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = [
    "metadata",
    "outbox",
    "processed_webhooks",
    "UtcDateTime",
    "PENDING",
    "DELIVERED",
    "FAILED",
    "STATES",
    "utcnow",
]

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STATES = (PENDING, DELIVERED, FAILED)

# Constraint and index names are fixed here, so later revisions (and SQLite's
# batch mode, which rebuilds tables) can name them on every database.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)


class UtcDateTime(sa.types.TypeDecorator):
    """An aware datetime stored as UTC; a naive one is refused rather than guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Any:
        """UTC for the database; naive UTC on SQLite."""
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        value = value.astimezone(timezone.utc)
        # SQLite has no time zones: naive UTC text compares correctly as text.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect: Dialect) -> Any:
        """An aware UTC datetime, whatever the database gave."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER primary key.
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(64), nullable=False),
    # Rasa's sender id (`events.sender_id` is a String(255) too).
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("idempotency_key", sa.String(128), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("result", sa.Text(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("delivered_at", UtcDateTime(), nullable=True),
    sa.Column("notified_at", UtcDateTime(), nullable=True),
    # The lease of the worker delivering (or notifying) the row right now.
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("claimed_until", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("kind", "idempotency_key"),
    sa.CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="state"),
    sa.CheckConstraint("attempts >= 0", name="attempts"),
    sa.Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    sa.Index("ix_outbox_conversation_id", "conversation_id"),
)

# One row per webhook or event already taken in: the primary key is what makes
# a replay (from any process) a duplicate.
processed_webhooks = sa.Table(
    "processed_webhooks",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("external_id", sa.String(255), primary_key=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Index("ix_processed_webhooks_received_at", "received_at"),
)

# --- proactive notices (revision 0002) ---------------------------------------
# The conversation a verified person used last, so a CMS event about them can
# be told there; one row per person, replaced when they verify again.
person_conversations = sa.Table(
    "person_conversations",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    # Rasa's input channel name (`rest`, `telegram`, ...), as the tracker has it.
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# People who said "stop notices": no proactive notice goes to them.
notice_opt_outs = sa.Table(
    "notice_opt_outs",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

__all__ += ["person_conversations", "notice_opt_outs"]

# --- channels (revision 0003) -------------------------------------------------
# Who talks in which conversation: a Telegram chat id or a phone number (the
# address) on a channel maps to an opaque Rasa conversation id, so no phone
# number becomes a sender id in `events`. The address is kept here because
# the channel must reply to it; continuity (`join`) points an address at
# another conversation.
channel_identities = sa.Table(
    "channel_identities",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("address", sa.String(128), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index("ix_channel_identities_conversation_id", "conversation_id"),
)

# Addresses that texted STOP (SMS): nothing more is sent to them, notices included.
channel_opt_outs = sa.Table(
    "channel_opt_outs",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("address", sa.String(128), primary_key=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

# "Continue on my phone": a short one-time code that joins another channel's
# address to this conversation.
continuity_codes = sa.Table(
    "continuity_codes",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("used_at", UtcDateTime(), nullable=True),
    sa.Column("used_on", sa.String(32), nullable=True),
    sa.Index("ix_continuity_codes_conversation_id", "conversation_id"),
)

# Telegram's callback_data holds 64 bytes: longer button payloads travel as a
# short id of their hash, mapped back here (any server process can answer).
button_payloads = sa.Table(
    "button_payloads",
    metadata,
    sa.Column("short_id", sa.String(32), primary_key=True),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

# What the platform said about a message sent (Twilio's status callbacks).
message_deliveries = sa.Table(
    "message_deliveries",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("message_id", sa.String(64), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("error_code", sa.String(16), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index("ix_message_deliveries_status", "status"),
)

# Housing Office applications this assistant forwarded, per verified person:
# case status by HO number answers only for the person's own.
forwarded_applications = sa.Table(
    "forwarded_applications",
    metadata,
    sa.Column("application_number", sa.String(32), primary_key=True),
    sa.Column("person_id", sa.String(64), nullable=False),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index("ix_forwarded_applications_person_id", "person_id"),
)

# "Delete my conversation", confirmed: erased by the worker's job within 24 hours.
conversation_deletions = sa.Table(
    "conversation_deletions",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(64), nullable=True),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("done_at", UtcDateTime(), nullable=True),
)

__all__ += [
    "channel_identities",
    "channel_opt_outs",
    "continuity_codes",
    "button_payloads",
    "message_deliveries",
    "forwarded_applications",
    "conversation_deletions",
]

# --- live advisors (revision 0004) --------------------------------------------
# Hand-overs to a person (issue 11): one row per offer the assistant placed in
# the advisors' queue. `open_conversation` holds the conversation id while the
# hand-over is waiting or held and NULL after, so its unique constraint allows
# one open hand-over per conversation (NULLs never collide) and keeps history.
WAITING = "waiting"
HELD = "held"
HANDED_BACK = "handed_back"
CLOSED = "closed"
EXPIRED = "expired"
HANDOVER_STATES = (WAITING, HELD, HANDED_BACK, CLOSED, EXPIRED)
OUTCOMES = ("answered", "call-back arranged", "referred", "abusive")

handovers = sa.Table(
    "handovers",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("open_conversation", sa.String(255), nullable=True),
    # Rasa's input channel name (`webchat`, `telegram`), as the tracker has it.
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("identity_level", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("advisor", sa.String(64), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("taken_at", UtcDateTime(), nullable=True),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
    # When the citizen was told that nobody took it in time (the worker's job).
    sa.Column("told_at", UtcDateTime(), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("open_conversation"),
    sa.CheckConstraint(
        "state IN ('waiting', 'held', 'handed_back', 'closed', 'expired')", name="state"
    ),
    sa.CheckConstraint(
        "outcome IS NULL OR outcome IN ('answered', 'call-back arranged', 'referred', 'abusive')",
        name="outcome",
    ),
    sa.Index("ix_handovers_state_requested_at", "state", "requested_at"),
    sa.Index("ix_handovers_conversation_id", "conversation_id"),
)

# Advisors marked present in the console; a row not refreshed within the
# presence time counts as away (a closed browser stops refreshing it).
advisor_presence = sa.Table(
    "advisor_presence",
    metadata,
    sa.Column("advisor", sa.String(64), primary_key=True),
    sa.Column("present", sa.Boolean(), nullable=False),
    sa.Column("seen_at", UtcDateTime(), nullable=False),
)

__all__ += [
    "WAITING",
    "HELD",
    "HANDED_BACK",
    "CLOSED",
    "EXPIRED",
    "HANDOVER_STATES",
    "OUTCOMES",
    "handovers",
    "advisor_presence",
]

# --- the staff console (revision 0005) ----------------------------------------
# Staff accounts: a name, a role (staff/accounts.py ROLES) and an argon2id hash.
staff_accounts = sa.Table(
    "staff_accounts",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("disabled_at", UtcDateTime(), nullable=True),
)

# Signed-in sessions: the cookie holds a random token, the table its SHA-256,
# so a copy of the database signs nobody in; any console server can check it.
staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("seen_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Index("ix_staff_sessions_name", "name"),
)

# Failed sign-ins, by account name and by client address: the rate limit.
staff_sign_in_failures = sa.Table(
    "staff_sign_in_failures",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Index("ix_staff_sign_in_failures_at", "at"),
)

# Who opened what, when: every opening of a conversation or a person's data.
staff_audit = sa.Table(
    "staff_audit",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("staff", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("detail", sa.String(500), nullable=True),
    sa.Index("ix_staff_audit_at", "at"),
)

__all__ += ["staff_accounts", "staff_sessions", "staff_sign_in_failures", "staff_audit"]

# --- the review inbox (revision 0006) -----------------------------------------
# An editor's decision on a citizen message the assistant did not handle well
# (bot/review): assigned to an answer (a training example written to data/),
# out of scope (an out_of_scope example) or a new answer needed (kept here
# with its examples under a label). One row per message: Rasa's `events.id`
# of the citizen's message, so a decided message leaves the open list. The
# text is kept masked (bot/privacy), as the example written.
REVIEW_DECISIONS = ("assign", "out_of_scope", "new_answer")

review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.BigInteger(), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    # The answer (intent) assigned, or the label of the new answer needed.
    sa.Column("answer", sa.String(128), nullable=True),
    sa.Column("text", sa.String(1000), nullable=False),
    sa.Column("channel", sa.String(64), nullable=True),
    sa.Column("topic", sa.String(64), nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=False),
    sa.Column("decided_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("event_id"),
    sa.CheckConstraint("decision IN ('assign', 'out_of_scope', 'new_answer')", name="decision"),
    sa.Index("ix_review_decisions_decision", "decision"),
)

__all__ += ["REVIEW_DECISIONS", "review_decisions"]
