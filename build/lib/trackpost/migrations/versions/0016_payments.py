"""Payments: payout periods, payvia settings, payments and their lines, adjustments, builds, audit.

Seeds one period, monthly from the 1st, as the default: a fresh network pays monthly until the
admin says otherwise.

Revision ID: 0016
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)
ACCRUING = "state IN ('open', 'banned')"


def _pk(table: str, *cols: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*cols, name=op.f(f"pk_{table}"))


def _fk(table: str, col: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    other = target.partition(".")[0]
    name = op.f(f"fk_{table}_{col}_{other}")
    return sa.ForeignKeyConstraint([col], [target], name=name, ondelete=ondelete)


def upgrade() -> None:
    periods = op.create_table(
        "payout_periods",
        sa.Column("periodid", BigId, nullable=False),
        sa.Column("spec", sa.String(64), nullable=False),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("delay", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("auto_store", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _pk("payout_periods", "periodid"),
    )
    op.create_index(
        "uq_payout_periods_default",
        "payout_periods",
        ["is_default"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "payout_period_affiliates",
        sa.Column("periodid", BigId, nullable=False),
        sa.Column("loginid", BigId, nullable=False),
        _fk("payout_period_affiliates", "periodid", "payout_periods.periodid", ondelete="CASCADE"),
        _fk("payout_period_affiliates", "loginid", "logins.loginid"),
        _pk("payout_period_affiliates", "periodid", "loginid"),
    )
    op.create_table(
        "payment_profiles",
        sa.Column("loginid", BigId, nullable=False),
        sa.Column("periodid", BigId, nullable=True),
        sa.Column("instant", sa.Boolean(), nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _fk("payment_profiles", "loginid", "logins.loginid"),
        _fk("payment_profiles", "periodid", "payout_periods.periodid"),
        _pk("payment_profiles", "loginid"),
    )
    op.create_table(
        "payvia_settings",
        sa.Column("payvia_type_id", sa.Integer(), nullable=False),
        sa.Column("minimums", sa.String(255), nullable=False),
        sa.Column("cost_type", sa.String(8), nullable=False),
        sa.Column("cost_amount", BigId, nullable=False),
        sa.Column("dump_format", sa.String(64), nullable=False),
        sa.Column("dump_vars", sa.Text(), nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _fk("payvia_settings", "payvia_type_id", "payvia_types.payvia_type_id"),
        _pk("payvia_settings", "payvia_type_id"),
    )
    op.create_table(
        "payment_dump_formats",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        *[
            sa.Column(part, sa.Text(), nullable=False)
            for part in ("header", "entry_header", "entry", "entry_footer", "footer")
        ],
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _pk("payment_dump_formats", "name"),
    )
    op.create_table(
        "payment_builds",
        sa.Column("periodid", BigId, nullable=False, autoincrement=False),
        sa.Column("period_end", When, nullable=False),
        sa.Column("earn_start", When, nullable=False),
        sa.Column("earn_end", When, nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("built_at", When, nullable=False),
        sa.Column("built_by", sa.String(64), nullable=False),
        _pk("payment_builds", "periodid", "period_end"),
    )
    op.create_table(
        "payments",
        sa.Column("paymentid", BigId, nullable=False),
        sa.Column("loginid", BigId, nullable=False),
        sa.Column("payvia_type_id", sa.Integer(), nullable=False),
        sa.Column("periodid", BigId, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("period_start", When, nullable=False),
        sa.Column("last_start", When, nullable=False),
        sa.Column("period_end", When, nullable=False),
        sa.Column("total", BigId, nullable=False),
        sa.Column("fee", BigId, nullable=False),
        sa.Column("minimum", BigId, nullable=False),
        sa.Column("payvia_name", sa.String(64), nullable=True),
        sa.Column("frozen", sa.Text(), nullable=True),
        sa.Column("dump_format", sa.String(64), nullable=True),
        sa.Column("dump_entry", sa.Text(), nullable=True),
        sa.Column("stored_at", When, nullable=True),
        sa.Column("stored_by", sa.String(64), nullable=True),
        sa.Column("paid_at", When, nullable=True),
        sa.Column("paid_reference", sa.String(255), nullable=True),
        sa.Column("paid_by", sa.String(64), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _pk("payments", "paymentid"),
    )
    op.create_index(
        "uq_payments_accruing",
        "payments",
        ["loginid"],
        unique=True,
        sqlite_where=sa.text(ACCRUING),
        postgresql_where=sa.text(ACCRUING),
    )
    op.create_index("ix_payments_state", "payments", ["state", "payvia_type_id"])
    op.create_index("ix_payments_loginid", "payments", ["loginid", "paymentid"])
    op.create_table(
        "payment_lines",
        sa.Column("lineid", BigId, nullable=False),
        sa.Column("paymentid", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", BigId, nullable=False),
        sa.Column("payoutid", BigId, nullable=True),
        sa.Column("transactionid", BigId, nullable=True),
        sa.Column("payee_kind", sa.String(16), nullable=True),
        sa.Column("adjustmentid", BigId, nullable=True),
        sa.Column("payable_at", When, nullable=False),
        sa.Column("added_at", When, nullable=False),
        _fk("payment_lines", "paymentid", "payments.paymentid"),
        _pk("payment_lines", "lineid"),
        sa.UniqueConstraint("adjustmentid", name=op.f("uq_payment_lines_adjustmentid")),
    )
    op.create_index("ix_payment_lines_paymentid", "payment_lines", ["paymentid", "lineid"])
    op.create_index("ix_payment_lines_payoutid", "payment_lines", ["payoutid"])
    op.create_table(
        "payment_adjustments",
        sa.Column("adjustmentid", BigId, nullable=False),
        sa.Column("loginid", BigId, nullable=False),
        sa.Column("paymentid", BigId, nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", BigId, nullable=False),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("admin", sa.String(64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        _pk("payment_adjustments", "adjustmentid"),
    )
    op.create_index(
        "ix_payment_adjustments_loginid", "payment_adjustments", ["loginid", "adjustmentid"]
    )
    op.create_table(
        "payment_audit",
        sa.Column("auditid", BigId, nullable=False),
        sa.Column("paymentid", BigId, nullable=True),
        sa.Column("loginid", BigId, nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_ip", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        _pk("payment_audit", "auditid"),
    )
    op.create_index("ix_payment_audit_paymentid", "payment_audit", ["paymentid", "auditid"])
    now = sa.func.now()
    op.execute(
        periods.insert().values(
            periodid=1,
            spec="1",
            description="Monthly, from the 1st",
            delay=0,
            enabled=True,
            is_default=True,
            auto_store=True,
            created_at=now,
            updated_at=now,
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        # The seeded id was given explicitly: the sequence starts after it.
        op.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('payout_periods', 'periodid'), 1)")
        )


def downgrade() -> None:
    op.drop_index("ix_payment_audit_paymentid", table_name="payment_audit")
    op.drop_table("payment_audit")
    op.drop_index("ix_payment_adjustments_loginid", table_name="payment_adjustments")
    op.drop_table("payment_adjustments")
    op.drop_index("ix_payment_lines_payoutid", table_name="payment_lines")
    op.drop_index("ix_payment_lines_paymentid", table_name="payment_lines")
    op.drop_table("payment_lines")
    for name in ("ix_payments_loginid", "ix_payments_state", "uq_payments_accruing"):
        op.drop_index(name, table_name="payments")
    op.drop_table("payments")
    op.drop_table("payment_builds")
    op.drop_table("payment_dump_formats")
    op.drop_table("payvia_settings")
    op.drop_table("payment_profiles")
    op.drop_table("payout_period_affiliates")
    op.drop_index("uq_payout_periods_default", table_name="payout_periods")
    op.drop_table("payout_periods")
