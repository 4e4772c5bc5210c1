"""People and cases: reading the council's CSV exports, and a fictional demo council."""
