"""Transfers in and out of the vault on the screens: CSV import, take-outs, provisions."""
