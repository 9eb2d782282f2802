"""Paying affiliates: payout periods, payments (Open, Stored, Paid, Banned), dumps, statements."""
