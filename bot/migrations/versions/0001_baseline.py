"""baseline: the hub's conversations and messages, the console's advisers, sessions, handovers and callback tickets

Revision ID: 0001_baseline
Revises: (none)
Create Date: 2026-11-25

Exactly the tables `db.create_all()` made before migrations existed: a database made that way
is stamped at this revision by `bot.migrations.upgrade`.
"""

import sqlalchemy as sa
from alembic import op

revision = '0001_baseline'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('advisers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('conversations',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('handled_by', sa.String(length=20), nullable=False),
    sa.Column('last_page', sa.String(length=500), nullable=True),
    sa.Column('last_error_code', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('adviser_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_active', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['adviser_id'], ['advisers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_adviser_sessions_adviser_id'), 'adviser_sessions', ['adviser_id'], unique=False)

    op.create_table('handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('goal', sa.String(length=80), nullable=True),
    sa.Column('goal_name', sa.String(length=200), nullable=True),
    sa.Column('problem', sa.String(length=80), nullable=True),
    sa.Column('familiarity', sa.String(length=10), nullable=True),
    sa.Column('step_id', sa.String(length=80), nullable=True),
    sa.Column('step_reached', sa.String(length=200), nullable=True),
    sa.Column('pages_visited', sa.JSON(), nullable=False),
    sa.Column('error_codes', sa.JSON(), nullable=False),
    sa.Column('failure_details', sa.Text(), nullable=True),
    sa.Column('tried', sa.JSON(), nullable=False),
    sa.Column('identity_verified', sa.Boolean(), nullable=False),
    sa.Column('customer_words', sa.JSON(), nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('handback_step', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['advisers.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['advisers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_handovers_claimed_by_id'), 'handovers', ['claimed_by_id'], unique=False)
    op.create_index(op.f('ix_handovers_conversation_id'), 'handovers', ['conversation_id'], unique=False)
    op.create_index('ix_handovers_one_open_per_conversation', 'handovers', ['conversation_id'], unique=True, sqlite_where=sa.text("status IN ('waiting', 'claimed')"), postgresql_where=sa.text("status IN ('waiting', 'claimed')"))
    op.create_index('ix_handovers_status_created', 'handovers', ['status', 'created_at'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sender', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_messages_conversation_id'), 'messages', ['conversation_id'], unique=False)

    op.create_table('callback_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=80), nullable=True),
    sa.Column('handover_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('preferred_time', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['done_by_id'], ['advisers.id'], ),
    sa.ForeignKeyConstraint(['handover_id'], ['handovers.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_callback_tickets_conversation_id'), 'callback_tickets', ['conversation_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_callback_tickets_conversation_id'), table_name='callback_tickets')

    op.drop_table('callback_tickets')
    op.drop_index(op.f('ix_messages_conversation_id'), table_name='messages')

    op.drop_table('messages')
    op.drop_index('ix_handovers_status_created', table_name='handovers')
    op.drop_index('ix_handovers_one_open_per_conversation', table_name='handovers', sqlite_where=sa.text("status IN ('waiting', 'claimed')"), postgresql_where=sa.text("status IN ('waiting', 'claimed')"))
    op.drop_index(op.f('ix_handovers_conversation_id'), table_name='handovers')
    op.drop_index(op.f('ix_handovers_claimed_by_id'), table_name='handovers')

    op.drop_table('handovers')
    op.drop_index(op.f('ix_adviser_sessions_adviser_id'), table_name='adviser_sessions')

    op.drop_table('adviser_sessions')
    op.drop_table('conversations')
    op.drop_table('advisers')
