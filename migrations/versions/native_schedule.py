"""post_target.handover_at / native_scheduled_for: Facebook's own scheduling (issue #4)

Revision ID: native_schedule
Revises: resolve_handle_lookup
Create Date: 2026-12-02 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'native_schedule'
down_revision = 'resolve_handle_lookup'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post_target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handover_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('native_scheduled_for', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_post_target_state_handover_at', ['state', 'handover_at'], unique=False)


def downgrade():
    with op.batch_alter_table('post_target', schema=None) as batch_op:
        batch_op.drop_index('ix_post_target_state_handover_at')
        batch_op.drop_column('native_scheduled_for')
        batch_op.drop_column('handover_at')
