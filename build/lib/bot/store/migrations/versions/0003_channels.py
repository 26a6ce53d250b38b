"""The channels' tables, forwarded housing applications and deletion requests.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Channel identities, SMS opt-outs, continuity codes, Telegram button
payloads, delivery statuses (channels/), the Housing Office applications
forwarded per person (case status by HO number) and "delete my
conversation" requests. Columns spelled out, like revisions 0001 and 0002.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the seven tables."""
    op.create_table(
        "channel_identities",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("address", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "address", name=op.f("pk_channel_identities")),
    )
    op.create_index(
        "ix_channel_identities_conversation_id", "channel_identities", ["conversation_id"]
    )
    op.create_table(
        "channel_opt_outs",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("address", sa.String(128), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "address", name=op.f("pk_channel_opt_outs")),
    )
    op.create_table(
        "continuity_codes",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("used_at", _utc(), nullable=True),
        sa.Column("used_on", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_continuity_codes")),
    )
    op.create_index(
        "ix_continuity_codes_conversation_id", "continuity_codes", ["conversation_id"]
    )
    op.create_table(
        "button_payloads",
        sa.Column("short_id", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("short_id", name=op.f("pk_button_payloads")),
    )
    op.create_table(
        "message_deliveries",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error_code", sa.String(16), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "message_id", name=op.f("pk_message_deliveries")),
    )
    op.create_index("ix_message_deliveries_status", "message_deliveries", ["status"])
    op.create_table(
        "forwarded_applications",
        sa.Column("application_number", sa.String(32), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("application_number", name=op.f("pk_forwarded_applications")),
    )
    op.create_index(
        "ix_forwarded_applications_person_id", "forwarded_applications", ["person_id"]
    )
    op.create_table(
        "conversation_deletions",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("requested_at", _utc(), nullable=False),
        sa.Column("done_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_deletions")),
    )


def downgrade() -> None:
    """Drop the seven tables (and nothing of Rasa's)."""
    for table in (
        "conversation_deletions",
        "forwarded_applications",
        "message_deliveries",
        "button_payloads",
        "continuity_codes",
        "channel_opt_outs",
        "channel_identities",
    ):
        op.drop_table(table)
