"""The review inbox's decisions (bot/review).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

One row per citizen message an editor decided on: assigned to an answer,
out of scope, or a new answer needed (with its label); the masked text is
kept, so the list of new answers needed keeps its examples.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create review_decisions."""
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("answer", sa.String(128), nullable=True),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("decision IN ('assign', 'out_of_scope', 'new_answer')",
                           name=op.f("ck_review_decisions_decision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
        sa.UniqueConstraint("event_id", name=op.f("uq_review_decisions_event_id")),
    )
    op.create_index("ix_review_decisions_decision", "review_decisions", ["decision"])


def downgrade() -> None:
    """Drop review_decisions (and nothing of Rasa's)."""
    op.drop_table("review_decisions")
