"""shop_network transactions shaped for bulk loads: the provider's id is the primary key (byte-ordered on
PostgreSQL), ids are set by the import, a GIN index on the shop (btree_gin) and one BRIN index on id, import
and day replace five btrees, no fingerprint nor row timestamp (the import's), a refund names its purchase by
the purchase's key only, no foreign keys (nor on the rows set aside outside the network)

Revision ID: sn0002
Revises: sn0001
Create Date: 2026-12-07 03:10:00

A 1,000,000-row import spent most of its time maintaining the btrees on id, (shop, day), (provider, day) and
import row by row and queueing the foreign keys' triggers; bench/README.md has the figures.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'sn0002'
down_revision = 'sn0001'
branch_labels = None
depends_on = None

TABLE = 'shop_network_transactions'
TX_ID = sa.String(length=64).with_variant(sa.String(length=64, collation='C'), 'postgresql')
SETTLEMENT_FKS = ('provider_settlement_id', 'shop_settlement_id')
OUTSIDE_FKS = (('batch_id', 'shop_network_import_batches', 'SET NULL'),
               ('provider_id', 'partners_organisations', 'RESTRICT'))


def _fk_name(column: str) -> str:
    return op.f(f'fk_{TABLE}_{column}_shop_network_settlements')


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gin')
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in SETTLEMENT_FKS:
            batch_op.drop_constraint(_fk_name(column), type_='foreignkey')
        batch_op.drop_index('ix_shop_network_transactions_provider_day')
        batch_op.drop_index('ix_shop_network_transactions_shop_day')
        batch_op.drop_index('ix_shop_network_transactions_batch_id')
        batch_op.drop_constraint(op.f('uq_shop_network_transactions_provider_id'), type_='unique')
        batch_op.drop_constraint(op.f('pk_shop_network_transactions'), type_='primary')
        batch_op.drop_column('fingerprint')
        batch_op.drop_column('refund_of_id')  # the purchase's key is (provider_id, refund_of_tx_id)
        batch_op.drop_column('created_at')  # the batch's; a default evaluated per row slowed every load
        batch_op.alter_column('id', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                              server_default=None, existing_nullable=False)
        for column, nullable in (('provider_tx_id', False), ('refund_of_tx_id', True)):
            batch_op.alter_column(column, existing_type=sa.String(length=64), type_=TX_ID, existing_nullable=nullable)
        batch_op.create_primary_key(op.f('pk_shop_network_transactions'), ['provider_id', 'provider_tx_id'])
        batch_op.create_index('ix_shop_network_transactions_organisation_id', ['organisation_id'], unique=False,
                              postgresql_using='gin')
        batch_op.create_index('ix_shop_network_transactions_id_batch_day', ['id', 'batch_id', 'occurred_on'],
                              unique=False, postgresql_using='brin')
    if postgres:
        op.execute(f'DROP SEQUENCE IF EXISTS {TABLE}_id_seq')
    with op.batch_alter_table('shop_network_outside_rows', schema=None) as batch_op:
        for column, target, _ondelete in OUTSIDE_FKS:
            batch_op.drop_constraint(op.f(f'fk_shop_network_outside_rows_{column}_{target}'), type_='foreignkey')
        batch_op.alter_column('provider_tx_id', existing_type=sa.String(length=64), type_=TX_ID,
                              existing_nullable=False)


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('shop_network_outside_rows', schema=None) as batch_op:
        batch_op.alter_column('provider_tx_id', existing_type=TX_ID, type_=sa.String(length=64),
                              existing_nullable=False)
        for column, target, ondelete in OUTSIDE_FKS:
            batch_op.create_foreign_key(op.f(f'fk_shop_network_outside_rows_{column}_{target}'), target, [column],
                                        ['id'], ondelete=ondelete)
    if postgres:
        op.execute(f'CREATE SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id')
        op.execute(f"SELECT setval('{TABLE}_id_seq', coalesce((SELECT max(id) FROM {TABLE}), 0) + 1, false)")  # noqa: S608 - a constant
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index('ix_shop_network_transactions_id_batch_day')
        batch_op.drop_index('ix_shop_network_transactions_organisation_id')
        batch_op.create_index('ix_shop_network_transactions_batch_id', ['batch_id'], unique=False)
        batch_op.drop_constraint(op.f('pk_shop_network_transactions'), type_='primary')
        for column, nullable in (('provider_tx_id', False), ('refund_of_tx_id', True)):
            batch_op.alter_column(column, existing_type=TX_ID, type_=sa.String(length=64), existing_nullable=nullable)
        batch_op.add_column(sa.Column('refund_of_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.text('(CURRENT_TIMESTAMP)')))
        # The fingerprint of rows imported since cannot be rebuilt here; they compare as changed if sent again.
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=32), nullable=False, server_default=''))
        batch_op.create_primary_key(op.f('pk_shop_network_transactions'), ['id'])
        batch_op.create_unique_constraint(op.f('uq_shop_network_transactions_provider_id'),
                                          ['provider_id', 'provider_tx_id'])
        batch_op.create_index('ix_shop_network_transactions_shop_day', ['organisation_id', 'occurred_on'],
                              unique=False)
        batch_op.create_index('ix_shop_network_transactions_provider_day', ['provider_id', 'occurred_on'],
                              unique=False)
        for column in SETTLEMENT_FKS:
            batch_op.create_foreign_key(_fk_name(column), 'shop_network_settlements', [column], ['id'],
                                        ondelete='RESTRICT')
