"""Typed SQLAlchemy models of all qabot keeps: case references only, never a child's name."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes stored as UTC on every database (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("qabot stores aware datetimes only")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Service(Base):
    __tablename__ = "services"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("service_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    service: Mapped[Service] = relationship()


class Person(Base):
    """A member of staff from the HR roster, with their line manager."""

    __tablename__ = "people"
    # a namesake is looked for by name among active people, and in the same team (`told_apart`)
    __table_args__ = (Index("ix_people_name_active_team", "name", "active", "team_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(40), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    asye_start: Mapped[dt.date | None] = mapped_column(Date)
    last_observed: Mapped[dt.date | None] = mapped_column(Date)
    fte: Mapped[float] = mapped_column(Float, default=1.0)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    teams_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    away_until: Mapped[dt.date | None] = mapped_column(Date)
    welcomed_at: Mapped[dt.datetime | None]
    deactivated_at: Mapped[dt.datetime | None]
    team: Mapped[Team] = relationship()
    manager: Mapped[Person | None] = relationship(remote_side=[id])


class Case(Base):
    """A case by its reference in the council's case system, and its allocated worker."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(64), unique=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    case_type: Mapped[str] = mapped_column(String(8))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    themes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)


class ProgrammeVersion(Base):
    """Each programme file qabot has run, kept so a round can say which rules made it."""

    __tablename__ = "programme_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    loaded_at: Mapped[dt.datetime]


class AuditRound(Base):
    """One period of one case-audit activity."""

    __tablename__ = "audit_rounds"
    __table_args__ = (UniqueConstraint("activity", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    activity: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))
    programme_version_id: Mapped[int | None] = mapped_column(ForeignKey("programme_versions.id"))
    theme: Mapped[str | None] = mapped_column(String(100))
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    uncovered: Mapped[list[Any]] = mapped_column(default=list)


class Allocation(Base):
    """A case given to an auditor to audit with its practitioner."""

    __tablename__ = "allocations"
    __table_args__ = (UniqueConstraint("round_id", "case_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("audit_rounds.id"), index=True)
    auditor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="allocated")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]
    # When the auditor and the worker meet for the audit, as they agreed it: the council's own
    # date and wall-clock time (never past `due_on`); reminders count towards it when it is set.
    agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    agreed_time: Mapped[dt.time | None] = mapped_column(Time)
    round: Mapped[AuditRound] = relationship()
    case: Mapped[Case] = relationship()


class ChecklistTick(Base):
    """The state of one child-journey checklist item, with who ticked it and when."""

    __tablename__ = "checklist_ticks"
    __table_args__ = (UniqueConstraint("allocation_id", "item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocations.id"))
    item: Mapped[str] = mapped_column(String(64))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[dt.datetime | None]
    # The worker's reason the item does not apply to this case (the item then counts as settled).
    not_applicable: Mapped[str | None] = mapped_column(Text)


class AuditRecord(Base):
    """What the auditor found: grade, reason, strengths and worries, and (where the auditor talks
    with the family) what the family said or why they were not spoken to. `grade` is the grade
    that counts: a moderator's grade replaces the auditor's, which the moderation keeps."""

    __tablename__ = "audit_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocations.id"), unique=True)
    grade: Mapped[str] = mapped_column(String(64))
    grade_reason: Mapped[str] = mapped_column(Text)
    strengths: Mapped[str] = mapped_column(Text, default="")
    worries: Mapped[str] = mapped_column(Text, default="")
    family_said: Mapped[str] = mapped_column(Text, default="")
    family_not_why: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[dt.datetime]


class Reflection(Base):
    """One answer to one reflective-discussion prompt, kept with the audit."""

    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("allocation_id", "person_id", "prompt"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    prompt: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Moderation(Base):
    """A second look at a recorded audit: does the moderator agree with the grade?"""

    __tablename__ = "moderations"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_record_id: Mapped[int] = mapped_column(ForeignKey("audit_records.id"), index=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    agrees: Mapped[bool | None] = mapped_column(Boolean)
    # The auditor's grade as it stood when the moderation was saved (the record then carries
    # the moderated grade, the one that counts).
    auditor_grade: Mapped[str | None] = mapped_column(String(64))
    moderated_grade: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]


class Observation(Base):
    """A recorded observation of someone's practice: who observed whom, when, with what consent,
    the strengths seen and the areas to develop, and the worker's own reflection on it.

    Kept short: a few lines each, never a case record, and never a child's name. Its actions
    are rows of `actions` with source "observation".
    """

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity: Mapped[str] = mapped_column(String(64))
    group: Mapped[str] = mapped_column(String(32))
    observed_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    observer_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    observed_on: Mapped[dt.date] = mapped_column(Date)
    setting: Mapped[str] = mapped_column(String(32), default="")
    family_consent: Mapped[str] = mapped_column(String(8))  # "yes", "no" or "na"
    strengths: Mapped[str] = mapped_column(Text, default="")
    areas: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime]
    reflection: Mapped[str | None] = mapped_column(Text)
    reflected_at: Mapped[dt.datetime | None]


class PracticeWeek(Base):
    __tablename__ = "practice_weeks"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(100))
    posted_at: Mapped[dt.datetime | None]
    # drafted by a simulation to show the week where no schedule was loaded; never in a real run
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)


class PracticeWeekSlot(Base):
    """One visit in a practice week: who visits which team, when, to do what."""

    __tablename__ = "practice_week_slots"
    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("practice_weeks.id"), index=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(32))
    activity: Mapped[str] = mapped_column(String(100))
    # what the visitor found (and its grade, where the programme grades), and the team's
    # feedback on the visit: asked for the working day after it
    findings: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[str] = mapped_column(String(32), default="")
    findings_at: Mapped[dt.datetime | None]
    feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_rating: Mapped[str] = mapped_column(String(32), default="")
    feedback_at: Mapped[dt.datetime | None]


class Broadcast(Base):
    """A newsletter, brief or bitesize item the QA team queues for a channel: its markdown as
    written, posted at `scheduled_for` (its own time, or the programme's next cadence slot)."""

    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(100))
    # who queued it; none when queued at the command line
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]
    scheduled_for: Mapped[dt.datetime] = mapped_column(index=True)
    # true when it takes the programme's next cadence slot, false when given its own time
    on_cadence: Mapped[bool] = mapped_column(Boolean, default=True)
    posted_at: Mapped[dt.datetime | None]
    # queued, posted, or held (the privacy check found something at posting time)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    # made up by a simulation to show the cadence where nothing was queued; never in a real run
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)


class BroadcastAck(Base):
    __tablename__ = "broadcast_acks"
    __table_args__ = (UniqueConstraint("broadcast_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[dt.datetime]


class Action(Base):
    """Something that must change, with an owner and a date, followed until done."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]
    done_at: Mapped[dt.datetime | None]
    # What the owner did, in their words: nothing closes without it. An action from a tracked
    # grade (Inadequate) stays open with its evidence until the owner's line manager confirms.
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_at: Mapped[dt.datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class OutboxMessage(Base):
    """A message to deliver exactly once, keyed by what it is about."""

    __tablename__ = "outbox"
    # Claims look up due rows by status, then time: sent rows never slow them down. A click
    # on a platform names the message it came from, looked up by the platform's message id.
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_sent_message", "platform", "platform_message_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(120), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    message_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by each in-place update, so a send in flight never hides newer content.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime]
    lease_until: Mapped[dt.datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(200))
    platform_conversation: Mapped[str | None] = mapped_column(String(200))
    replaces_key: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]


class InboundEvent(Base):
    """Inbound event ids already handled, so a platform retry changes nothing."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[dt.datetime]


class ConversationRef(Base):
    """Where to reach a person or channel on a platform later (Teams needs its serviceUrl)."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("platform", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(120))
    reference: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]


class ChannelBinding(Base):
    """The real channel a programme's channel role posts to on one platform."""

    __tablename__ = "channel_bindings"
    __table_args__ = (UniqueConstraint("platform", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(100))
    channel_id: Mapped[str] = mapped_column(String(200))
    bound_at: Mapped[dt.datetime]


class HeldPost(Base):
    """A channel post held because its role is not bound on a platform; queued when it is."""

    __tablename__ = "held_posts"
    __table_args__ = (Index("ix_held_posts_role", "platform", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    not_before: Mapped[dt.datetime]
    held_at: Mapped[dt.datetime]


class Snooze(Base):
    __tablename__ = "snoozes"
    __table_args__ = (UniqueConstraint("person_id", "item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    item: Mapped[str] = mapped_column(String(120))
    until: Mapped[dt.date] = mapped_column(Date)
    # why, in the snoozer's words or one of the offered reasons: shown to whoever is escalated
    reason: Mapped[str | None] = mapped_column(String(200))


class AuditLogEntry(Base):
    """Who did what, for the QA team and for reads of reflections."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SandboxSetting(Base):
    """The local sandbox's own state, kept across restarts: where its clock has got to."""

    __tablename__ = "sandbox_settings"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class SandboxSaid(Base):
    """What a person typed or pressed in the local sandbox, shown on their side of the chat.
    Sandbox only (a demo council's made-up people); never logged."""

    __tablename__ = "sandbox_said"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime]
    text: Mapped[str] = mapped_column(String(600))
    pressed: Mapped[bool]
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
