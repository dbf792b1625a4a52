"""What the tests share: this run's PostgreSQL database, synthetic numbers, the service
tests' world and its builders, and the API, CLI, screen and browser deployments.

Test modules import from here; the old ``tests/*_support.py`` modules and the names some
test modules used to export re-export from here for tests written against them.
"""
