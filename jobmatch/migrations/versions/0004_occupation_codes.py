"""occupation codes on postings: csco_code (CSCO 2022 细类) and whether it was confirmed

Revision ID: 0004_occupation_codes
Revises: 0003_training
Create Date: 2026-11-23 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_occupation_codes"
down_revision = "0003_training"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("csco_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("csco_confirmed", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_column("csco_confirmed")
        batch_op.drop_column("csco_code")
