"""influencer_handle.lookup_*: the outcome of looking the handle up on its platform

Revision ID: resolve_handle_lookup
Revises: dash_activity
Create Date: 2026-12-02 06:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'resolve_handle_lookup'
down_revision = 'dash_activity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('influencer_handle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lookup_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('lookup_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('lookup_detail', sa.String(length=300), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('influencer_handle', schema=None) as batch_op:
        batch_op.drop_column('lookup_detail')
        batch_op.drop_column('lookup_at')
        batch_op.drop_column('lookup_status')
