"""post_target: partial index (published_at, account_id, post_id) WHERE state = 'published'

The activity dashboard counts published targets per organisation, platform, week and window; with
this index PostgreSQL reads them with an index-only scan instead of the table (issue #9).

Revision ID: activity_published_index
Revises: campaigns
Create Date: 2026-12-02 11:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'activity_published_index'
down_revision = 'campaigns'
branch_labels = None
depends_on = None


def upgrade():
    published = sa.text("state = 'published'")
    with op.batch_alter_table('post_target', schema=None) as batch_op:
        batch_op.create_index('ix_post_target_published', ['published_at', 'account_id', 'post_id'], unique=False,
                              postgresql_where=published, sqlite_where=published)


def downgrade():
    with op.batch_alter_table('post_target', schema=None) as batch_op:
        batch_op.drop_index('ix_post_target_published')
