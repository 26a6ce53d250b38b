"""The person's latest conversation and the notice opt-outs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

For proactive notices (`channels/cms_events.py`): which conversation a
verified person used last, and who said "stop notices". Columns are spelled
out, not taken from `bot.store.tables`, like revision 0001.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `person_conversations` and `notice_opt_outs`."""
    op.create_table(
        "person_conversations",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_conversations")),
    )
    op.create_table(
        "notice_opt_outs",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_notice_opt_outs")),
    )


def downgrade() -> None:
    """Drop the two tables (and nothing of Rasa's)."""
    op.drop_table("notice_opt_outs")
    op.drop_table("person_conversations")
