"""Paid data providers: one httpx client per vendor, the waterfall that orders them, and the ledger
that makes sure no answer is ever paid for twice."""
