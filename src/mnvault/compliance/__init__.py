"""The compliance spine: every safety-management measure of 別添1 with its live state."""
