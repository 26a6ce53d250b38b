"""The CMS database: SQLAlchemy Core tables on its own SQLite file.

Timestamps are stored as naive UTC (`DateTime`), dates as `YYYY-MM-DD` text.
Only what the contract shows is kept of a bank account or phone: the last 4
digits.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "appointments",
    "cases",
    "deliveries",
    "events",
    "idempotency_keys",
    "metadata",
    "otps",
    "persons",
    "subscriptions",
]

metadata = sa.MetaData()

persons = sa.Table(
    "persons",
    metadata,
    sa.Column("person_id", sa.String(32), primary_key=True),
    sa.Column("national_id", sa.String(11), nullable=False, unique=True),
    sa.Column("date_of_birth", sa.String(10), nullable=False),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("street", sa.String(100), nullable=False),
    sa.Column("postcode", sa.String(4), nullable=False),
    sa.Column("city", sa.String(50), nullable=False),
    sa.Column("bank_account_last4", sa.String(4)),
    sa.Column("phone_last4", sa.String(4)),
    sa.Column("preferred_language", sa.String(8), nullable=False, server_default="en"),
)

otps = sa.Table(
    "otps",
    metadata,
    sa.Column("otp_id", sa.String(40), primary_key=True),
    sa.Column("person_id", sa.String(32), sa.ForeignKey("persons.person_id"), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("sent_to_last4", sa.String(4), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("attempts_left", sa.Integer, nullable=False),
    # open, used, locked, superseded
    sa.Column("state", sa.String(16), nullable=False),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("reference", sa.String(16), primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("person_id", sa.String(32), sa.ForeignKey("persons.person_id")),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("verification_level", sa.Integer, nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("expected_decision_by", sa.String(10)),
    sa.UniqueConstraint("year", "number"),
)

appointments = sa.Table(
    "appointments",
    metadata,
    sa.Column("appointment_id", sa.String(16), primary_key=True),
    sa.Column("office_id", sa.String(32), nullable=False),
    sa.Column("start", sa.DateTime, nullable=False),
    sa.Column("person_id", sa.String(32), sa.ForeignKey("persons.person_id"), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("reminder_queued_at", sa.DateTime),
    # The database, not only the handler, refuses a second booking of a slot.
    sa.UniqueConstraint("office_id", "start", name="uq_appointment_slot"),
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("subscription_id", sa.String(40), primary_key=True),
    sa.Column("url", sa.String(2000), nullable=False, unique=True),
    sa.Column("secret", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("event_id", sa.String(40), primary_key=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("person_id", sa.String(32), nullable=False),
    # The exact bytes that are signed and sent, so every retry is identical.
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("delivery_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(40), sa.ForeignKey("events.event_id"), nullable=False),
    sa.Column(
        "subscription_id",
        sa.String(40),
        sa.ForeignKey("subscriptions.subscription_id"),
        nullable=False,
    ),
    # pending, delivered, failed
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("last_error", sa.String(500)),
    sa.Column("delivered_at", sa.DateTime),
    sa.Index("ix_deliveries_due", "state", "next_attempt_at"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
