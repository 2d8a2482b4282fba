"""activity dashboard: posts-per-week target, audience snapshots, published-time indexes

Revision ID: dash_activity
Revises: perf_reconcile_attempts
Create Date: 2026-12-02 05:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dash_activity'
down_revision = 'perf_reconcile_attempts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('posts_per_week_target', sa.Integer(), server_default='3', nullable=False))

    with op.batch_alter_table('post_target', schema=None) as batch_op:
        batch_op.create_index('ix_post_target_state_published_at', ['state', 'published_at'], unique=False)
        batch_op.create_index('ix_post_target_account_state_published_at', ['account_id', 'state', 'published_at'],
                              unique=False)

    op.create_table('audience_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.Column('followers', sa.BigInteger(), nullable=True),
    sa.Column('views', sa.BigInteger(), nullable=True),
    sa.Column('reach', sa.BigInteger(), nullable=True),
    sa.Column('likes', sa.BigInteger(), nullable=True),
    sa.Column('comments', sa.BigInteger(), nullable=True),
    sa.Column('shares', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['social_account.id'], name=op.f('fk_audience_snapshot_account_id_social_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_audience_snapshot_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['post_target.id'], name=op.f('fk_audience_snapshot_target_id_post_target'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_snapshot'))
    )
    with op.batch_alter_table('audience_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_audience_snapshot_account_taken_at', ['account_id', 'taken_at'], unique=False)
        batch_op.create_index('ix_audience_snapshot_target_taken_at', ['target_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audience_snapshot_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audience_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audience_snapshot_organisation_id'))
        batch_op.drop_index('ix_audience_snapshot_target_taken_at')
        batch_op.drop_index('ix_audience_snapshot_account_taken_at')
    op.drop_table('audience_snapshot')

    with op.batch_alter_table('post_target', schema=None) as batch_op:
        batch_op.drop_index('ix_post_target_account_state_published_at')
        batch_op.drop_index('ix_post_target_state_published_at')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('posts_per_week_target')
