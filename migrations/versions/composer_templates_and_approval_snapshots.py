"""post templates and hashtag sets; content snapshot on approvals

Revision ID: composer_templates
Revises: ui_calendar
Create Date: 2026-12-02 05:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'composer_templates'
down_revision = 'ui_calendar'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('post_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_post_template_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_post_template_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_template'))
    )
    with op.batch_alter_table('post_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_template_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_snapshot', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.drop_column('content_snapshot')

    with op.batch_alter_table('post_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_template_organisation_id'))

    op.drop_table('post_template')
