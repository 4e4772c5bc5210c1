"""Broadcasts: newsletter issues and bitesize learning the QA team queues, checked for anything
that could identify a child, and posted to a channel on the programme's cadence."""
