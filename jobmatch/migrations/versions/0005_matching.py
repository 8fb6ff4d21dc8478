"""matching: model versions (registry of trained matching models)

Revision ID: 0005_matching
Revises: 0004_occupation_codes
Create Date: 2026-11-23 04:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_matching"
down_revision = "0004_occupation_codes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('matching_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('metrics', sa.Text(), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('beats_rules', sa.Boolean(), nullable=False),
    sa.Column('training_data_sha256', sa.String(length=64), nullable=False),
    sa.Column('library_versions', sa.Text(), nullable=False),
    sa.Column('artefact', sa.String(length=200), nullable=False),
    sa.Column('artefact_sha256', sa.String(length=64), nullable=False),
    sa.Column('n_labelled', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('activated_at', sa.DateTime(), nullable=True),
    sa.Column('activated_by_id', sa.Integer(), nullable=True),
    sa.Column('activated_by', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['activated_by_id'], ['users.id'], name=op.f('fk_matching_models_activated_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_models')),
    sa.UniqueConstraint('version', name=op.f('uq_matching_models_version'))
    )
    with op.batch_alter_table('matching_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_models_is_active'), ['is_active'], unique=False)


def downgrade():
    with op.batch_alter_table('matching_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_models_is_active'))
    op.drop_table('matching_models')
