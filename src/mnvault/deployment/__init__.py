"""A deployment: its data directory, database, keyring, first organisation and administrator."""
