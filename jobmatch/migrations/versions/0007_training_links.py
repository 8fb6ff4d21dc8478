"""training links: courses → employer and postings (订单培训 from a skill gap)

Revision ID: 0007_training_links
Revises: 0006_monitoring
Create Date: 2026-11-23 04:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_training_links"
down_revision = "0006_monitoring"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employer_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_courses_employer_id"), ["employer_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_courses_employer_id_employers"), "employers", ["employer_id"], ["id"],
                                    ondelete="SET NULL")
    op.create_table(
        "course_postings",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_course_postings_course_id_courses"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["posting_id"], ["postings.id"], name=op.f("fk_course_postings_posting_id_postings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("course_id", "posting_id", name=op.f("pk_course_postings")),
    )
    with op.batch_alter_table("course_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_postings_posting_id"), ["posting_id"], unique=False)


def downgrade():
    with op.batch_alter_table("course_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_postings_posting_id"))
    op.drop_table("course_postings")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_courses_employer_id_employers"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_courses_employer_id"))
        batch_op.drop_column("employer_id")
