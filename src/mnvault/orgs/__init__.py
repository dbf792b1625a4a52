"""Organisations (tenants) and their departments."""
