"""Observations of practice: who is due one and from whom, nudges that escalate, the record."""
