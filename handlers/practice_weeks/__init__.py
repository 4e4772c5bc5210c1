"""Practice weeks: a schedule of senior leaders' visits to teams, loaded or drafted, posted to
the practice-week channel ahead of the week, and a reminder to each visitor and team manager the
working day before their visit."""
