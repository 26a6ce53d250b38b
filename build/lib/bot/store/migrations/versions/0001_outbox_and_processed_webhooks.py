"""The outbox and the processed webhooks.

Revision ID: 0001
Revises:
Create Date: 2025-11-25

Only the project's tables: never Rasa's `events`. The columns are spelled out
here rather than taken from `bot.store.tables`, so this revision keeps
creating what it created when later revisions change the tables. Names are
final (`op.f`): the naming convention of `tables.metadata` gives the same.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `outbox` and `processed_webhooks`."""
    op.create_table(
        "outbox",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("delivered_at", _utc(), nullable=True),
        sa.Column("notified_at", _utc(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("kind", "idempotency_key", name=op.f("uq_outbox_kind_idempotency_key")),
        sa.CheckConstraint(
            "state IN ('pending', 'delivered', 'failed')", name=op.f("ck_outbox_state")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_attempts")),
    )
    op.create_index(op.f("ix_outbox_state_next_attempt_at"), "outbox", ["state", "next_attempt_at"])
    op.create_index(op.f("ix_outbox_conversation_id"), "outbox", ["conversation_id"])
    op.create_table(
        "processed_webhooks",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("received_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("source", "external_id", name=op.f("pk_processed_webhooks")),
    )
    op.create_index(
        op.f("ix_processed_webhooks_received_at"), "processed_webhooks", ["received_at"]
    )


def downgrade() -> None:
    """Drop the two tables (and nothing of Rasa's)."""
    op.drop_index(op.f("ix_processed_webhooks_received_at"), table_name="processed_webhooks")
    op.drop_table("processed_webhooks")
    op.drop_index(op.f("ix_outbox_conversation_id"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_state_next_attempt_at"), table_name="outbox")
    op.drop_table("outbox")
