"""provisions name an item of 番号法第19条 and what it asks; outside take-outs are provisions

``provisions.article19_item`` is the item number of 番号法第19条 (vault/provision_items.py);
NULL marks a row stored before this revision, whose free-text ``legal_basis`` stays
displayable as a legacy basis. 第4号 records the employee's consent (date, the recipient and
data it names), 第16号 which of its alternatives applies. An export request to a recipient
outside the organisation carries the provision it will be (issue #13).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 04:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("provisions") as batch:
        batch.add_column(sa.Column("article19_item", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("consent_given_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("consent_recipient", sa.String(200), nullable=True))
        batch.add_column(sa.Column("consent_data", sa.String(200), nullable=True))
        batch.add_column(sa.Column("item16_condition", sa.String(20), nullable=True))
    with op.batch_alter_table("export_requests") as batch:
        batch.add_column(sa.Column("outside_provision", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("export_requests") as batch:
        batch.drop_column("outside_provision")
    with op.batch_alter_table("provisions") as batch:
        batch.drop_column("item16_condition")
        batch.drop_column("consent_data")
        batch.drop_column("consent_recipient")
        batch.drop_column("consent_given_on")
        batch.drop_column("article19_item")
