"""When things happen: programme cadence, the due-items sweep and the outbox dispatcher loop."""
