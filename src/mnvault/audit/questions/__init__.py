"""The auditors' questions: what the trail answers (a person's usage, an incident's impact
scope, activity, a search and one entry's place in the chain), each asked under ``audit:read`` and
itself recorded, and the tables an auditor takes away."""
