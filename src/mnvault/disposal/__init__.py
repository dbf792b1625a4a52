"""Retention rules, the due list, disposal batches and contractor disposal certificates."""
