"""When things happen: programme cadence, the due-items sweep and the outbox dispatcher loop."""

from scheduler.clock import Clock, SystemClock, VirtualClock
from scheduler.dispatcher import (
    Dispatcher,
    DispatchPolicy,
    Platform,
    PlatformError,
    SendResult,
    parked_alert,
)
from scheduler.jobs import JOB_DEFAULTS, Sweep, Sweeps, build_scheduler, drain_outbox, sweep_due
from scheduler.ratelimit import DEFAULT_LIMITS, Limit, PlatformLimits, RateLimiter

__all__ = [
    "DEFAULT_LIMITS",
    "JOB_DEFAULTS",
    "Clock",
    "DispatchPolicy",
    "Dispatcher",
    "Limit",
    "Platform",
    "PlatformError",
    "PlatformLimits",
    "RateLimiter",
    "SendResult",
    "Sweep",
    "Sweeps",
    "SystemClock",
    "VirtualClock",
    "build_scheduler",
    "drain_outbox",
    "parked_alert",
    "sweep_due",
]
