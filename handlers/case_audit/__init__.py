"""Case audits: allocation, checklist, record, reflection, moderation and actions."""
