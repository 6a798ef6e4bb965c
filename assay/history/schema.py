"""The history store's table as the latest migration leaves it (migrations/versions/ build it)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()
audits = Table(
    "assay_audits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recorded_at", String(32), nullable=False),
    Column("generated_at", String(32), nullable=False),
    Column("scope", String(255), nullable=False, index=True),
    Column("bundle_sha256", String(64), nullable=False),
    Column("results_sha256", String(64), nullable=False),
    Column("tool_version", String(64), nullable=False),
    Column("results_json", Text, nullable=False),
    Column("evidence_json", Text, nullable=False),
    # 0002: whether every configured source was read in full (NULL: recorded before assay knew)
    Column("complete", Boolean, nullable=True),
    Column("incomplete_json", Text, nullable=True),  # ["mlflow (failed)", ...]
    Column("bundle_path", Text, nullable=True),  # where the bundle was written when it was recorded
    Index("uq_assay_audits_scope_results", "scope", "results_sha256", unique=True),
)
