"""mnvault: a My Number (個人番号) vault with the safety-management measures built in."""

__version__ = "0.1.0"
