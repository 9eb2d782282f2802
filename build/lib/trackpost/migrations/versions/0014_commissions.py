"""The money engine: commission changes, payee rules, offer goals, sale counters, payout rows.

Every existing ledger row with an affiliate payout gets its one payout row (type affiliate), and
total_payout starts as that payout, so the sum of an event's rows is its total from the start.

Revision ID: 0014
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)
COMMISSIONS = "commissions"


def _pk(table: str, *cols: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*cols, name=op.f(f"pk_{table}"))


def _fk(table: str, col: str, target: str) -> sa.ForeignKeyConstraint:
    other, _, _key = target.partition(".")
    return sa.ForeignKeyConstraint([col], [target], name=op.f(f"fk_{table}_{col}_{other}"))


def _payout_columns() -> list[sa.Column[int]]:
    return [
        sa.Column(name, BigId, nullable=True)
        for name in ("flat_click", "flat_visitor", "flat_conversion", "flat_continuity")
    ]


def upgrade() -> None:
    op.create_table(
        "commission_changes",
        sa.Column("changeid", BigId, nullable=False),
        sa.Column("offerid", BigId, nullable=False),
        sa.Column("goalid", BigId, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("priority", BigId, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("loginid", BigId, nullable=True),
        sa.Column("countries", sa.String(1024), nullable=True),
        *[sa.Column(f"subaff{i}", sa.String(255), nullable=True) for i in range(1, 6)],
        sa.Column("start_time", When, nullable=True),
        sa.Column("end_time", When, nullable=True),
        sa.Column("after_sales", BigId, nullable=True),
        sa.Column("recur", sa.String(8), nullable=True),
        *_payout_columns(),
        sa.Column("pct_conversion", sa.Integer(), nullable=True),
        sa.Column("pct_continuity", sa.Integer(), nullable=True),
        sa.Column("cpm", BigId, nullable=True),
        sa.Column("aff_manager_payout", sa.Boolean(), nullable=True),
        sa.Column("aff_referral_payout", sa.Boolean(), nullable=True),
        sa.Column("offer_partner_payout", sa.Boolean(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _fk("commission_changes", "offerid", "offers.offerid"),
        _pk("commission_changes", "changeid"),
    )
    op.create_index("ix_commission_changes_offerid", "commission_changes", ["offerid", "goalid"])
    op.create_table(
        "commission_audit",
        sa.Column("auditid", BigId, nullable=False),
        sa.Column("offerid", BigId, nullable=True),
        sa.Column("changeid", BigId, nullable=True),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_ip", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        _pk("commission_audit", "auditid"),
    )
    op.create_index("ix_commission_audit_offerid", "commission_audit", ["offerid", "auditid"])
    op.create_table(
        "offer_commissions",
        sa.Column("offerid", BigId, nullable=False),
        sa.Column("flat_click", BigId, nullable=True),
        sa.Column("flat_visitor", BigId, nullable=True),
        sa.Column("cpm", BigId, nullable=True),
        sa.Column("referral_base", sa.String(8), nullable=False),
        sa.Column("fee_cap", sa.String(8), nullable=False),
        sa.Column("fee_cap_amount", BigId, nullable=True),
        sa.Column("max_amount", BigId, nullable=True),
        sa.Column("updated_at", When, nullable=False),
        _fk("offer_commissions", "offerid", "offers.offerid"),
        _pk("offer_commissions", "offerid"),
    )
    op.create_table(
        "referral_tiers",
        sa.Column("offerid", BigId, nullable=False, autoincrement=False),
        sa.Column("tier", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("base", sa.String(8), nullable=False),
        _pk("referral_tiers", "offerid", "tier"),
    )
    op.create_table(
        "offer_partners",
        sa.Column("offerid", BigId, nullable=False),
        sa.Column("loginid", BigId, nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("flat", BigId, nullable=False),
        _fk("offer_partners", "offerid", "offers.offerid"),
        _fk("offer_partners", "loginid", "logins.loginid"),
        _pk("offer_partners", "offerid", "loginid"),
    )
    op.create_table(
        "manager_commissions",
        sa.Column("manager_loginid", BigId, nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("flat", BigId, nullable=False),
        sa.Column("start_after", BigId, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _fk("manager_commissions", "manager_loginid", "logins.loginid"),
        _pk("manager_commissions", "manager_loginid"),
    )
    op.create_table(
        "goals",
        sa.Column("goalid", BigId, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("allow_repeat", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        _pk("goals", "goalid"),
        sa.UniqueConstraint("name", name=op.f("uq_goals_name")),
    )
    op.create_table(
        "offer_goals",
        sa.Column("offer_goal_id", BigId, nullable=False),
        sa.Column("offerid", BigId, nullable=False),
        sa.Column("goalid", BigId, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("commission_type", sa.String(16), nullable=False),
        sa.Column("amount", BigId, nullable=False),
        sa.Column("revenue_type", sa.String(24), nullable=False),
        sa.Column("revenue_amount", BigId, nullable=False),
        sa.Column("aff_manager_payout", sa.Boolean(), nullable=False),
        sa.Column("aff_referral_payout", sa.Boolean(), nullable=False),
        sa.Column("offer_partner_payout", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _fk("offer_goals", "offerid", "offers.offerid"),
        _fk("offer_goals", "goalid", "goals.goalid"),
        _pk("offer_goals", "offer_goal_id"),
        sa.UniqueConstraint("offerid", "goalid", name=op.f("uq_offer_goals_offerid_goalid")),
    )
    op.create_table(
        "commission_counters",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("count", BigId, nullable=False),
        _pk("commission_counters", "key"),
    )
    op.create_table(
        "transaction_payouts",
        sa.Column("payoutid", BigId, nullable=False),
        sa.Column("transactionid", BigId, nullable=False),
        sa.Column("loginid", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("amount", BigId, nullable=False),
        sa.Column("flat", BigId, nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("base", sa.String(8), nullable=False),
        sa.Column("changeid", BigId, nullable=True),
        _pk("transaction_payouts", "payoutid"),
    )
    op.create_index(
        "ix_transaction_payouts_transactionid", "transaction_payouts", ["transactionid"]
    )
    op.create_index(
        "ix_transaction_payouts_loginid", "transaction_payouts", ["loginid", "transactionid"]
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("total_payout", BigId, server_default="0", nullable=False))
        batch_op.add_column(sa.Column("changeid", BigId, nullable=True))
        batch_op.add_column(sa.Column("goalid", BigId, nullable=True))
        batch_op.add_column(sa.Column("approved_at", When, nullable=True))
        batch_op.add_column(sa.Column("approved_by", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("hold_reason", sa.String(255), nullable=True))
    op.execute("UPDATE transactions SET total_payout = affiliate_payout")
    op.execute(
        "INSERT INTO transaction_payouts "
        "(transactionid, loginid, kind, tier, amount, flat, rate, base, changeid) "
        "SELECT transactionid, loginid, 'affiliate', 0, affiliate_payout, "
        "CASE WHEN payout_percent IS NULL THEN affiliate_payout ELSE 0 END, "
        "COALESCE(payout_percent, 0), 'revenue', NULL "
        "FROM transactions WHERE loginid IS NOT NULL AND affiliate_payout <> 0 "
        "ORDER BY transactionid"
    )
    versions = sa.table(
        "cache_versions", sa.column("name", sa.String), sa.column("version", sa.Integer)
    )
    op.bulk_insert(versions, [{"name": COMMISSIONS, "version": 0}])


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM cache_versions WHERE name = :name").bindparams(name=COMMISSIONS)
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        for name in ("hold_reason", "approved_by", "approved_at", "goalid", "changeid"):
            batch_op.drop_column(name)
        batch_op.drop_column("total_payout")
    op.drop_index("ix_transaction_payouts_loginid", table_name="transaction_payouts")
    op.drop_index("ix_transaction_payouts_transactionid", table_name="transaction_payouts")
    for table in (
        "transaction_payouts",
        "commission_counters",
        "offer_goals",
        "goals",
        "manager_commissions",
        "offer_partners",
        "referral_tiers",
        "offer_commissions",
    ):
        op.drop_table(table)
    op.drop_index("ix_commission_audit_offerid", table_name="commission_audit")
    op.drop_table("commission_audit")
    op.drop_index("ix_commission_changes_offerid", table_name="commission_changes")
    op.drop_table("commission_changes")
