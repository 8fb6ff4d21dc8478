"""occupation indexes: referrals by (person_id, posting_id, started_on) for 职业分布

Revision ID: 0009_occupation_indexes
Revises: 0008_kiosk
Create Date: 2026-11-23 05:55:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_occupation_indexes'
down_revision = '0008_kiosk'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_person_posting_started', ['person_id', 'posting_id', 'started_on'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_person_posting_started')
