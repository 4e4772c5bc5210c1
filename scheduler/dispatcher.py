"""The outbox dispatcher: delivers due rows once each, within rate limits, retrying or parking."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from message_templates.describe import message_words, platform_words, recipient_words
from message_templates.markup import escape, to_plain
from message_templates.model import Message
from scheduler._receipts import Receipts
from scheduler.clock import Clock
from scheduler.ratelimit import RateLimiter
from storage import Sessions
from storage.case_audit.people import person_by_staff_id
from storage.outbox import Claimed, Receipt, claim_due, enqueue, mark_parked, mark_retry

logger = logging.getLogger(__name__)

PARKED_ALERT = "parked_alert"
ERROR_TEXT = 300  # characters of a failure's text kept on its row: enough to diagnose it


@dataclass(frozen=True)
class SendResult:
    """Where the platform put a message, so it can be updated in place later."""

    message_id: str
    conversation: str


class PlatformError(Exception):
    """A failed send: `retry_after` for a 429, `permanent` when retrying cannot help.

    `reason` is short and shown to the QA team if the message is parked: a platform error code
    or an exception's class, never message content. `detail`, stored on the row and logged,
    is the fuller text to diagnose it by (the reason itself unless given). `reported` when the
    platform has already told the QA team of the cause, so the parked row gets no alert of its own.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        detail: str | None = None,
        reported: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
        self.detail = detail or reason
        self.reported = reported

    @classmethod
    def unexpected(cls, error: Exception) -> PlatformError:
        """Any other failure, retried like a timeout: its class, and its text to diagnose it."""
        name = type(error).__name__
        text = f"{name}: {error}" if str(error) else name
        if len(text) > ERROR_TEXT:
            text = text[: ERROR_TEXT - 1] + "…"
        return cls(name, detail=text)


class Platform(Protocol):
    name: str

    async def send(self, recipient: str, message: Message) -> SendResult: ...

    async def update(
        self, recipient: str, conversation: str, message_id: str, message: Message
    ) -> None: ...


@dataclass(frozen=True)
class DispatchPolicy:
    """How the dispatcher claims, retries and parks; one place for every knob."""

    batch: int = 200
    lease: dt.timedelta = dt.timedelta(minutes=5)
    max_attempts: int = 6
    backoff_base: float = 120.0
    backoff_cap: float = 3600.0
    concurrency: int = 32
    qa_recipient: str = "channel:qa-team"
    qa_platform: str | None = None
    idle_poll: float = 1.0


class _RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after


class Dispatcher:
    """Claims due outbox rows and delivers each through its platform exactly once."""

    def __init__(
        self,
        sessions: Sessions,
        platforms: Iterable[Platform],
        *,
        clock: Clock,
        limiter: RateLimiter | None = None,
        policy: DispatchPolicy = DispatchPolicy(),
        rng: random.Random | None = None,
    ) -> None:
        self._sessions = sessions
        self._platforms = {platform.name: platform for platform in platforms}
        self._clock = clock
        self._limiter = limiter or RateLimiter()
        self._policy = policy
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._receipts = Receipts(sessions, clock)
        self._passing = False
        self._again = False

    async def run_once(self, now: dt.datetime) -> int:
        """Claim the rows due at `now` and deliver them; returns how many rows were handled.

        While a full batch goes out, the next is claimed and queued behind it, so a paced
        platform is never kept waiting on a claim between batches; at most two batches are
        leased at once, and the pass ends with a batch that is not full. A conversation's rows
        in the later batch go only once its rows in the earlier one have gone (or are handed
        back with them), so its messages keep their order."""
        slots = asyncio.Semaphore(self._policy.concurrency)
        began = self._clock.now()
        claimed = await self._claim(now)
        handled = len(claimed)
        going = self._start(claimed, slots, {})
        latest, following = dict(going), going[:0]
        try:
            while len(claimed) == self._policy.batch:
                try:
                    claimed = await self._claim(now + (self._clock.now() - began))
                except Exception:  # the database briefly away: this batch goes on regardless
                    logger.exception("could not claim the next batch")
                    break
                handled += len(claimed)
                following = self._start(claimed, slots, latest)
                latest.update(following)
                await self._settled(going)
                going, following = following, going[:0]
            await self._settled(going)
        except BaseException:  # cancelled (shutting down): no delivery is left running
            for _, task in going + following:
                task.cancel()
            raise
        return handled

    async def _claim(self, now: dt.datetime) -> list[Claimed]:
        async with self._sessions.begin() as session:
            return await claim_due(
                session,
                now=now,
                limit=self._policy.batch,
                lease=self._policy.lease,
                platforms=list(self._platforms),
            )

    def _start(
        self,
        claimed: list[Claimed],
        slots: asyncio.Semaphore,
        before: dict[tuple[str, str], asyncio.Task[dt.datetime | None]],
    ) -> list[tuple[tuple[str, str], asyncio.Task[dt.datetime | None]]]:
        """Each conversation's rows delivered in a task of their own, after `before`'s."""
        groups: dict[tuple[str, str], list[Claimed]] = defaultdict(list)
        for row in claimed:
            groups[(row.platform, row.recipient)].append(row)
        return [
            (key, asyncio.ensure_future(self._deliver_group(rows, slots, before.get(key))))
            for key, rows in groups.items()
        ]

    @staticmethod
    async def _settled(
        going: list[tuple[tuple[str, str], asyncio.Task[dt.datetime | None]]],
    ) -> None:
        outcomes = await asyncio.gather(*(task for _, task in going), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, Exception):  # its rows come back when their lease ends
                logger.error("a conversation's deliveries failed", exc_info=outcome)
            elif isinstance(outcome, BaseException):
                raise outcome

    async def deliver_due(self) -> int:
        """Deliver what is due now, coalesced: asked while a pass is under way (by an edge
        after each event, or the loop in `run_forever`), it returns at once and that pass goes
        round once more, so one pass delivers what many events queued meanwhile instead of a
        pass each. Returns how many rows this call's passes handled."""
        self._again = True
        if self._passing:
            return 0
        self._passing = True
        handled = 0
        try:
            while self._again:
                self._again = False
                handled += await self.run_once(self._clock.now())
        finally:
            self._passing = False
        return handled

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, resting when nothing is due (or until notify())."""
        while not stop.is_set():
            try:
                handled = await self.deliver_due()
            except Exception:  # the database may be briefly away; keep going
                logger.exception("dispatch pass failed")
                handled = 0
            if handled == 0:
                await self._rest(stop)

    def notify(self) -> None:
        """Wake a resting run_forever: something was just enqueued."""
        self._wake.set()

    async def _rest(self, stop: asyncio.Event) -> None:
        waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
        _, pending = await asyncio.wait(
            waiters, timeout=self._policy.idle_poll, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in pending:
            waiter.cancel()
        self._wake.clear()

    async def _deliver_group(
        self,
        rows: list[Claimed],
        slots: asyncio.Semaphore,
        before: asyncio.Task[dt.datetime | None] | None = None,
    ) -> dt.datetime | None:
        """One conversation's rows in order, after its rows in the batch before (`before`); a
        429 or a lease running short hands the rest back. Returns when the rest is due again
        if it was handed back (rows after it in a later batch go back with it), else None."""
        if before is not None:
            await asyncio.wait([before])  # not cancelled with this one: it is awaited itself
            if before.cancelled() or before.exception() is not None:
                raise RuntimeError("this conversation's earlier deliveries failed")
            handed_back = before.result()
            if handed_back is not None:
                await self._hand_back(rows, handed_back)
                return handed_back
        async with slots:
            for index, row in enumerate(rows):
                if self._clock.now() >= row.lease_until - self._policy.lease / 5:
                    at = self._clock.now()
                    await self._hand_back(rows[index:], at)
                    return at
                try:
                    await self._deliver(row)
                except _RateLimited as limited:
                    later = self._clock.now() + dt.timedelta(seconds=limited.retry_after)
                    await self._hand_back(rows[index + 1 :], later)
                    return later
        return None

    async def _hand_back(self, rows: list[Claimed], at: dt.datetime) -> None:
        if not rows:
            return
        async with self._sessions.begin() as session:
            for row in rows:
                await mark_retry(session, row, next_at=at, error="", count_attempt=False)

    async def _deliver(self, row: Claimed) -> None:
        platform = self._platforms[row.platform]
        await self._limiter.acquire(row.platform, row.recipient)
        try:
            if row.target_id is not None:
                conversation = row.target_conversation or ""
                await platform.update(row.recipient, conversation, row.target_id, row.message)
                message_id = row.target_id
            else:
                result = await platform.send(row.recipient, row.message)
                message_id, conversation = result.message_id, result.conversation
        except PlatformError as error:
            await self._failed(row, error, error)
            return
        except Exception as error:  # an unknown failure is retried like a timeout
            await self._failed(row, PlatformError.unexpected(error), error)
            return
        try:
            await self._receipts.record(Receipt(row, message_id, conversation))
        except Exception:  # delivered but unrecorded: it goes again once the lease ends
            logger.exception("delivered %s but could not record it", row.key)
            return
        logger.info("delivered %s (attempt %d)", row.key, row.attempts)

    async def _failed(self, row: Claimed, error: PlatformError, cause: Exception) -> None:
        """Retry later or park; `cause` is what was raised, logged with its traceback."""
        now = self._clock.now()
        if error.retry_after is not None:
            self._limiter.hold(row.platform, row.recipient, error.retry_after)
            later = now + dt.timedelta(seconds=error.retry_after)
            async with self._sessions.begin() as session:
                await mark_retry(
                    session, row, next_at=later, error=error.detail, count_attempt=False
                )
            logger.warning("rate limited on %s; retry after %.1fs", row.key, error.retry_after)
            raise _RateLimited(error.retry_after)
        if error.permanent or row.attempts >= self._policy.max_attempts:
            await self._park(row, error, now, cause)
            return
        later = now + dt.timedelta(seconds=self._backoff(row.attempts))
        async with self._sessions.begin() as session:
            await mark_retry(session, row, next_at=later, error=error.detail)
        logger.warning(
            "attempt %d of %s failed: %s", row.attempts, row.key, error.detail, exc_info=cause
        )

    def _backoff(self, attempts: int) -> float:
        """Exponential, capped, with jitter so many failed rows do not retry in step."""
        ceiling = min(self._policy.backoff_cap, self._policy.backoff_base * 2.0 ** (attempts - 1))
        return ceiling * self._rng.uniform(0.5, 1.0)

    async def _park(
        self, row: Claimed, error: PlatformError, now: dt.datetime, cause: Exception
    ) -> None:
        async with self._sessions.begin() as session:
            if not await mark_parked(session, row, error=error.detail):
                return
            if row.message.kind != PARKED_ALERT and not error.reported:
                kind, _, staff_id = row.recipient.partition(":")
                person = await person_by_staff_id(session, staff_id) if kind == "person" else None
                await enqueue(
                    session,
                    key=f"parked:{row.id}",
                    recipient=self._policy.qa_recipient,
                    platform=self._policy.qa_platform or row.platform,
                    message=parked_alert(row, error.reason, person.name if person else None),
                    not_before=now,
                    now=now,
                )
        logger.error(
            "parked %s after %d attempts: %s", row.key, row.attempts, error.detail, exc_info=cause
        )


def parked_alert(row: Claimed, reason: str, recipient_name: str | None = None) -> Message:
    """Tells the QA team, in words, what could not be delivered to whom and where ("the
    allocation message to Sam Patel in Teams"), and the error's code or class only: never the
    message's content (the row keeps the error's full text)."""
    what = message_words(row.message.kind)
    who = escape(recipient_words(row.recipient, recipient_name))
    where = platform_words(row.platform)
    tries = f"{row.attempts} tr{'ies' if row.attempts != 1 else 'y'}"
    check = (
        f"their account in {where}"
        if row.recipient.startswith("person:")
        else f"qabot is still in the channel in {where}"
    )
    text = (
        f"I couldn't deliver {what} to {who} in {where}: after {tries} the answer was "
        f"“{escape(reason)}”. It's kept in the outbox, not lost (outbox message {row.id}). "
        f"Please check {check}, then retry it."
    )
    return Message(
        kind=PARKED_ALERT,
        title="A message could not be delivered",
        text=text,
        fallback=to_plain(text),
        meta={"key": row.key, "message_kind": row.message.kind, "reason": reason},
    )
