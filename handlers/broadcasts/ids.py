"""Action ids and reminder types of broadcasts (the router refuses two handlers for one)."""

READ = "broadcast.read"  # "I've read this" on a post; value: the broadcast id
WANTED_TYPE = "broadcast.wanted"  # the QA team's reminder that a slot has nothing queued
