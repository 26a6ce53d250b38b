"""Hand-overs to live advisors and the advisors' presence.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

The advisors' queue (issue 11): one row per hand-over, with at most one open
(waiting or held) per conversation, and which advisors are present.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the two tables."""
    id_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "handovers",
        sa.Column("id", id_type, autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("open_conversation", sa.String(255), nullable=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("identity_level", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("advisor", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("requested_at", _utc(), nullable=False),
        sa.Column("taken_at", _utc(), nullable=True),
        sa.Column("ended_at", _utc(), nullable=True),
        sa.Column("told_at", _utc(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
        sa.UniqueConstraint("open_conversation", name=op.f("uq_handovers_open_conversation")),
        sa.CheckConstraint(
            "state IN ('waiting', 'held', 'handed_back', 'closed', 'expired')",
            name=op.f("ck_handovers_state"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN "
            "('answered', 'call-back arranged', 'referred', 'abusive')",
            name=op.f("ck_handovers_outcome"),
        ),
    )
    op.create_index("ix_handovers_state_requested_at", "handovers", ["state", "requested_at"])
    op.create_index("ix_handovers_conversation_id", "handovers", ["conversation_id"])
    op.create_table(
        "advisor_presence",
        sa.Column("advisor", sa.String(64), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("seen_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("advisor", name=op.f("pk_advisor_presence")),
    )


def downgrade() -> None:
    """Drop the two tables."""
    op.drop_table("advisor_presence")
    op.drop_table("handovers")
