"""Users, roles, assignments and the one authorize() every service calls."""
