"""The staff console's tables: accounts, sessions, failed sign-ins, audit log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Staff accounts with a role and an argon2id hash, signed-in sessions (the
SHA-256 of the cookie's token), failed sign-ins for the rate limit and the
audit log of every opening of a conversation or a person's data (staff/).
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the four tables."""
    op.create_table(
        "staff_accounts",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("disabled_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_staff_accounts")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("seen_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_sessions")),
    )
    op.create_index("ix_staff_sessions_name", "staff_sessions", ["name"])
    op.create_table(
        "staff_sign_in_failures",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sign_in_failures")),
    )
    op.create_index("ix_staff_sign_in_failures_at", "staff_sign_in_failures", ["at"])
    op.create_table(
        "staff_audit",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("staff", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_audit")),
    )
    op.create_index("ix_staff_audit_at", "staff_audit", ["at"])


def downgrade() -> None:
    """Drop the four tables (and nothing of Rasa's)."""
    for table in ("staff_audit", "staff_sign_in_failures", "staff_sessions", "staff_accounts"):
        op.drop_table(table)
