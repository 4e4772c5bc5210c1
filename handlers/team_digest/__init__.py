"""The weekly manager digest: once a week, each line manager's picture of their team, fed by
every capability that has something to say about it."""
