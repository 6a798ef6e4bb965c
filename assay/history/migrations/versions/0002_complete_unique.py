"""Mark incomplete audits, remember where each bundle was, and record each audit once (a unique index).

Audits recorded before this revision have `complete` NULL (unknown); they may serve as baselines. Rows
that an old read-then-write race recorded twice are removed (the lowest id stays) before the index.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("assay_audits", sa.Column("complete", sa.Boolean, nullable=True))
    op.add_column("assay_audits", sa.Column("incomplete_json", sa.Text, nullable=True))
    op.add_column("assay_audits", sa.Column("bundle_path", sa.Text, nullable=True))
    audits = sa.table("assay_audits", sa.column("id"), sa.column("scope"), sa.column("results_sha256"))
    first = (
        sa.select(sa.func.min(audits.c.id).label("id"))
        .group_by(audits.c.scope, audits.c.results_sha256)
        .subquery("first")
    )
    # selecting from a derived table: MySQL refuses a subquery on the very table a DELETE changes
    op.execute(audits.delete().where(audits.c.id.not_in(sa.select(first.c.id))))
    op.create_index("uq_assay_audits_scope_results", "assay_audits", ["scope", "results_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_assay_audits_scope_results", table_name="assay_audits")
    op.drop_column("assay_audits", "bundle_path")
    op.drop_column("assay_audits", "incomplete_json")
    op.drop_column("assay_audits", "complete")
