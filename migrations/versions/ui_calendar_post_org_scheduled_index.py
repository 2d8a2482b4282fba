"""calendar: index on post (organisation_id, scheduled_at)

The calendar reads the posts of the visible organisations in a time range; with this
index PostgreSQL scans only the range of each organisation (benchmark: 100,000 posts,
500 organisations).

Revision ID: ui_calendar
Revises: e_notifications
Create Date: 2026-12-02 05:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ui_calendar'
down_revision = 'e_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index('ix_post_organisation_id_scheduled_at', ['organisation_id', 'scheduled_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index('ix_post_organisation_id_scheduled_at')
