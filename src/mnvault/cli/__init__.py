"""The ``mnvault`` command line: thin Typer commands over the services."""
