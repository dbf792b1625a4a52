"""The administrator's screens: users and roles, assignments, API tokens, keys, settings."""
