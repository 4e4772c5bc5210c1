"""What broadcasts keep: the QA team's queue of newsletter and bitesize items."""
