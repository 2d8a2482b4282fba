"""post_target.reconcile_attempts: reconcile rounds that could not ask the platform

Revision ID: perf_reconcile_attempts
Revises: api_tokens
Create Date: 2026-12-02 06:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'perf_reconcile_attempts'
down_revision = 'api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post_target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reconcile_attempts', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('post_target', schema=None) as batch_op:
        batch_op.drop_column('reconcile_attempts')
