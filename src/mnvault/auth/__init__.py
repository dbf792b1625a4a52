"""Authentication: sign-in with a second factor, lockout, sessions and API tokens."""
