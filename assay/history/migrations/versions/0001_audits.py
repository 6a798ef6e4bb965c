"""The audits table as assay 0.1 created it (without a version table): created only when missing.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if inspector.has_table("assay_audits"):
        return  # a store assay 0.1 made with metadata.create_all: adopt it as is
    op.create_table(
        "assay_audits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("generated_at", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(255), nullable=False),
        sa.Column("bundle_sha256", sa.String(64), nullable=False),
        sa.Column("results_sha256", sa.String(64), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("results_json", sa.Text, nullable=False),
        sa.Column("evidence_json", sa.Text, nullable=False),
    )
    op.create_index("ix_assay_audits_scope", "assay_audits", ["scope"])


def downgrade() -> None:
    op.drop_table("assay_audits")
