"""The audit trail: one entry for every operation, written in the operation's transaction.

The top-level modules are the ledger, which writes and keeps the trail; the auditors' tools
that read it live in sub-packages (verification, archive, questions, reports)."""
