"""The audit trail: one entry for every operation, written in the operation's transaction."""
