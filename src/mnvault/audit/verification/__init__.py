"""The auditors' verification: the chain, the checkpoints, the witness and the cadence,
checked against the trail the ledger (mnvault.audit) keeps."""
