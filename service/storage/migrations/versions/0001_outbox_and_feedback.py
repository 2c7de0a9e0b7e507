"""The alert outbox (alerts, one delivery per channel) and CDS Hooks feedback.

Revision: 0001 (the first).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Integer on SQLite (only INTEGER PRIMARY KEY auto-increments there), BIGINT elsewhere.
Identifier = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", Identifier, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("patient_ref", sa.String(512), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("tier_rank", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("key", name="uq_alerts_key"),
        sa.CheckConstraint("tier_rank > 0", name="ck_alerts_tier_rank_positive"),
    )
    op.create_index(
        "ix_alerts_patient_ref_scope_tier_rank", "alerts", ["patient_ref", "scope", "tier_rank"]
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", Identifier, primary_key=True, autoincrement=True),
        sa.Column("alert_id", Identifier, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Instant, nullable=False),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_token", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", Instant, nullable=True),
        sa.Column("last_attempt_at", Instant, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("delivered_at", Instant, nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_deliveries"),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name="fk_alert_deliveries_alert_id_alerts",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("alert_id", "channel", name="uq_alert_deliveries_alert_id_channel"),
        sa.CheckConstraint(
            "status IN ('pending', 'failing', 'delivered')",
            name="ck_alert_deliveries_status_known",
        ),
        sa.CheckConstraint("attempts >= 0", name="ck_alert_deliveries_attempts_not_negative"),
    )
    op.create_index(
        "ix_alert_deliveries_status_next_attempt_at",
        "alert_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_table(
        "cds_feedback",
        sa.Column("id", Identifier, primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("card_uuid", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("override_reason_system", sa.String(255), nullable=True),
        sa.Column("override_reason_code", sa.String(100), nullable=True),
        sa.Column("outcome_timestamp", Instant, nullable=False),
        sa.Column("received_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cds_feedback"),
        sa.UniqueConstraint(
            "service_id", "card_uuid", "outcome", "outcome_timestamp", name="uq_cds_feedback_once"
        ),
        sa.CheckConstraint(
            "outcome IN ('accepted', 'overridden')", name="ck_cds_feedback_outcome_known"
        ),
    )


def downgrade() -> None:
    op.drop_table("cds_feedback")
    op.drop_index("ix_alert_deliveries_status_next_attempt_at", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index("ix_alerts_patient_ref_scope_tier_rank", table_name="alerts")
    op.drop_table("alerts")
