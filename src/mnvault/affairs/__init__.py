"""Affairs (事務): what a number may be used for, with their legal basis."""
