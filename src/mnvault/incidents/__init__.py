"""Incidents: 漏えい等事案 from the first alarm to the PPC's final report (別添2, issue #17)."""
