"""What qabot does: audits, checklists, reflections, observations and more, over our types."""
