"""The tumour-board worklist: one row per assessment made through the API or a CDS call.

Revision: 0002 (after 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Identifier = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "worklist_entries",
        sa.Column("id", Identifier, primary_key=True, autoincrement=True),
        sa.Column("patient_ref", sa.String(512), nullable=False),
        sa.Column("fhir_server", sa.String(512), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("assessed_at", Instant, nullable=False),
        sa.Column("tier_at_most", sa.String(16), nullable=False),
        sa.Column("tier_at_least", sa.String(16), nullable=False),
        sa.Column("rank_at_most", sa.SmallInteger(), nullable=False),
        sa.Column("rank_at_least", sa.SmallInteger(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_worklist_entries"),
    )
    op.create_index("ix_worklist_entries_assessed_at", "worklist_entries", ["assessed_at"])
    op.create_index("ix_worklist_entries_patient_ref", "worklist_entries", ["patient_ref"])


def downgrade() -> None:
    op.drop_index("ix_worklist_entries_patient_ref", table_name="worklist_entries")
    op.drop_index("ix_worklist_entries_assessed_at", table_name="worklist_entries")
    op.drop_table("worklist_entries")
