"""The case-audit aggregates: audits, records, requests, follow-ups, reflections and my QA."""
