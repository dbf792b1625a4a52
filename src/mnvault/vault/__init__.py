"""The vault: persons, their numbers, and the five lifecycle stages."""
