"""Every message qabot's handlers really produce, from one run of the audit cycle (tests only).

A small council on a fresh SQLite database and a fixed clock goes through a month: the
allocation and its direct messages, the checklist, the audit record form and each way of filling
it in wrongly, the reflections and the moderation with theirs, the daily reminders (each kind on
its own and gathered several to a message), the escalations, the word about an Inadequate
grade, help, My QA (the QA team's too), away and back. Each message is taken from the handler's
reply or from the outbox row it queued, under a name that says which step made it; the render
tests draw every platform's output from these.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bot.slack.directory import unfound_message
from bot.teams.install import unmatched_notice
from bot.teams.unreachable import unreachable_message
from handlers.broadcasts.ids import READ
from handlers.capabilities import build_router, jobs, reminder_sources, team_pictures
from handlers.case_audit.allocation.late import ROUND_ALLOCATE_LATE, allocate_due
from handlers.case_audit.allocation.themes_ahead import themed_rounds_to_check
from handlers.case_audit.cycle import (
    ACTION_CONFIRM,
    ACTION_DONE,
    ACTION_NOT_YET,
    CHECKLIST_TICK,
    ESCALATION_ASK,
    NOT_APPLICABLE,
    OPEN_MODERATION,
    OPEN_NOT_APPLICABLE,
    OPEN_RECORD,
    OPEN_REFLECTION,
    RECORD,
    RECORD_MODERATION,
    SAVE_REFLECTION,
    run_allocation,
)
from handlers.case_audit.ids import (
    ESCALATION_REASSIGN,
    ESCALATION_REASSIGN_SAVE,
    OPEN_AGREED,
    SET_AGREED,
    STALLED_DECIDE,
    STALLED_OPEN,
)
from handlers.core.calendar import Calendar
from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.inbound import handle_event
from handlers.core.router import Inbound, Reply, Router
from handlers.observations.ids import OPEN_RECORD as OPEN_OBSERVATION
from handlers.observations.ids import OPEN_REFLECTION as OPEN_OBSERVATION_REFLECTION
from handlers.observations.ids import RECORD as RECORD_OBSERVATION
from handlers.observations.ids import REFLECT as OBSERVATION_REFLECT
from handlers.practice_weeks.ids import FEEDBACK, FINDINGS, OPEN_FEEDBACK, OPEN_FINDINGS
from handlers.practice_weeks.load import load_schedule
from handlers.programme.schema import (
    CaseAudit,
    Independence,
    PracticeWeekActivity,
    Theme,
    load_programme,
)
from handlers.reminders.ids import SNOOZE, SNOOZE_REASON, WHY
from handlers.reminders.snooze import Reminders
from handlers.roster.csv_rows import CsvFile
from handlers.team_digest.weekly import send_weekly
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from scheduler.dispatcher import parked_alert
from storage import Sessions, make_engine, make_sessions, upgrade
from storage.broadcasts import queue
from storage.case_audit import audits
from storage.case_audit import people as audit_people
from storage.case_audit.audits import AllocationView
from storage.models import Action, Moderation, OutboxMessage, Person, PracticeWeekSlot
from storage.outbox import PARKED, Claimed
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

START = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)  # a Monday, inside working hours
PEOPLE = [
    ("S01", "Helen Clarke", "head_of_service", "Leadership", None),
    ("S02", "Sam Moss", "service_manager", "Leadership", "S01"),
    ("S03", "Dana Hughes", "team_manager", "Team A", "S02"),
    ("S04", "Marcus Reid", "team_manager", "Team B", "S02"),
    ("S05", "Tom Okafor", "practitioner", "Team A", "S03"),
    ("S06", "Leah Brown", "practitioner", "Team A", "S03"),
    ("S07", "Priya Shah", "practitioner", "Team B", "S04"),
    ("S08", "Ruth Adeyemi", "qa_manager", "QA", "S01"),
    ("S09", "Ann Other", "practitioner", "Team B", "S04"),
    ("S10", "Jo Park", "principal_social_worker", "QA", "S01"),
]
CASES = [
    ("C-000101", "S05", "CP"),
    ("C-000102", "S06", "CIN"),
    ("C-000103", "S07", "CLA"),
    ("C-000104", "S09", "CIN"),  # never recorded: reminded, then escalated
]

# The names `produce` gives, in the order made: a test checks the run makes exactly these, so a
# new message (or one no longer made) shows up as a change to this list.
NAMES = (
    "welcome",
    "help",
    "help_qa_team",
    "not_caught",
    "not_caught_blank",
    "not_caught_too_long",
    "my_qa_nothing_yet",
    "away_set",
    "away_unreadable_date",
    "back",
    "audit_allocated",
    "audit_notified",
    "audit_joined",
    "audit_lead",
    "allocation_summary",
    "checklist_updated",
    "checklist_tick_not_yours",
    "checklist_not_applicable",
    "checklist_not_applicable_no_reason",
    "checklist_not_applicable_saved",
    "audit_agreed_form",
    "audit_agreed_error_every_problem",
    "audit_agreed_saved",
    "audit_agreed",
    "audit_agreed_saved_in_chat",
    "audit_record_form",
    "record_error_missing_answer",
    "record_error_unknown_grade",
    "record_error_unreadable_date",
    "record_error_past_date",
    "record_error_unknown_owner",
    "record_error_every_problem",
    "audit_recorded",
    "action_raised",
    "reflection_requested",
    "moderation_requested",
    "audit_inadequate",
    "audit_inadequate_qa",
    "reflection_form",
    "reflection_error_missing_answer",
    "reflection_saved",
    "reflection_form_with_answers",
    "moderation_form",
    "moderation_error_no_grade",
    "moderation_saved",
    "moderation_recorded",
    "audit_recorded_good",
    "audit_findings",
    "audit_recorded_outstanding",
    "my_qa_practitioner",
    "my_qa_moderator",
    "supervision_reflections",
    "action_done_form",
    "action_done_form_blank",
    "action_done",
    "action_confirm",
    "action_confirmed_not_yet",
    "action_not_yet",
    "action_confirmed",
    "reminder_snoozed",
    "reminder_snooze_reason",
    "reminder_snoozed_capped",
    "reminder_why",
    "apology",
    "reminders.reflection_reminder",
    "reminders.action_reminder+action_reminder+reflection_reminder",
    "reminders.action_reminder+action_reminder",
    "reminders.action_reminder",
    "reminders.moderation_reminder",
    "reminders.checklist_reminder",
    "reminders.audit_reminder",
    "reminders.audit_reminder+moderation_reminder",
    "reminders.action_escalated+action_escalated+action_escalated+action_reminder",
    "reminders.broadcast_wanted",
    "my_qa_qa_team",
    "reminders.audit_escalated",
    "reminders.audit_stalled",
    "reminders.action_escalated",
    "escalation_answered",
    "escalation_asked",
    "escalation_reassign_form",
    "escalation_reassign_error_same_person",
    "escalation_answered_reassigned",
    "escalation_reassigned",
    "escalation_released",
    "audit_stalled_form",
    "audit_stalled_done",
    "reminders.observation_due",
    "reminders.observation_overdue",
    "reminders.observation_escalated",
    "observation_form",
    "observation_error_home_visit_without_consent",
    "observation_saved",
    "observation_recorded",
    "observation_reflection_form",
    "observation_reflection_saved",
    "team_digest",
    "my_qa_line_manager",
    "parked_alert",
    "teams_unreachable",
    "slack_people_unfound",
    "channel_unbound",
    "channel_bound",
    "unmatched_person",
    "reminders.themed_round_warning",
    "round_theme_unknown",
    "round_theme_named",
    "round_theme_listed",
    "late_round",
    "late_round_answered",
    "practice_week_posted",
    "reminders.practice_week_reminder",
    "reminders.observation_overdue+practice_week_feedback",
    "reminders.observation_overdue+observation_overdue",
    "reminders.practice_week_findings",
    "practice_week_findings_form",
    "practice_week_findings_error_missing_answer",
    "practice_week_thanks_findings",
    "practice_week_feedback_form",
    "practice_week_thanks_feedback",
    "practice_week_findings_read",
    "practice_week_findings_not_permitted",
    "reminders.practice_week_findings.follow_up",
    "reminders.practice_week_feedback.follow_up",
    "practice_week_summary",
    "broadcast_queued",
    "broadcast_not_permitted",
    "broadcast_refused",
    "broadcast_posted",
    "broadcast_read",
    "broadcast_read_again",
    "broadcast_reads",
)
GATHERED = "reminders.action_reminder+action_reminder+reflection_reminder"
# The day after the audits were due: the QA manager's My QA shows one still not recorded.
QA_VIEW_DAY = dt.date(2027, 1, 29)


@dataclass
class Run:
    """The run in progress: its dependencies, its router and the messages named so far."""

    deps: Deps
    router: Router
    clock: VirtualClock
    messages: dict[str, Message] = field(default_factory=dict)
    seen_outbox: int = 0
    events: int = 0

    def keep(self, name: str, message: Message | None) -> Message:
        assert message is not None, f"{name}: the handler said nothing"
        assert name not in self.messages, f"{name} made twice"
        self.messages[name] = message
        return message

    async def send(
        self, staff_id: str, kind: str, name: str = "", value: str = "", *, text: str = "",
        source_key: str = "", **fields: str,
    ) -> Reply:  # fmt: skip
        """One inbound event through the real router, as a platform edge would pass it on."""
        self.events += 1
        event = Inbound(
            platform="sandbox", event_id=f"e{self.events}", staff_id=staff_id,
            kind=kind,  # type: ignore[arg-type]
            name=name, value=value, text=text, fields=tuple(fields.items()),
            source_key=source_key,
        )  # fmt: skip
        reply = await handle_event(self.deps, self.router, event)
        assert reply is not None
        return reply

    async def reply(self, keep_as: str, staff_id: str, kind: str, name: str = "",
                    value: str = "", **kw: str) -> Message:  # fmt: skip
        return self.keep(keep_as, (await self.send(staff_id, kind, name, value, **kw)).message)

    async def problem(self, keep_as: str, staff_id: str, kind: str, name: str, value: str,
                      **kw: str) -> Message:  # fmt: skip
        message = await self.reply(keep_as, staff_id, kind, name, value, **kw)
        # a form with problems comes back holding what was typed, each problem by its field
        returned = message.form is not None and bool(message.form.problem)
        assert message.kind == "user_error" or returned, (keep_as, message.kind)
        return message

    async def queued(self) -> list[OutboxMessage]:
        """Outbox rows queued since the last look, oldest first."""
        async with self.deps.sessions() as session:
            found = list(
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.id > self.seen_outbox)
                    .order_by(OutboxMessage.id)
                )
            )
        if found:
            self.seen_outbox = found[-1].id
        return found

    async def keep_queued(self, names: Callable[[OutboxMessage], str | None]) -> None:
        """Keep the first queued message of each name `names` gives (None: not kept)."""
        for row in await self.queued():
            name = names(row)
            if name is not None and name not in self.messages:
                self.keep(name, Message.from_dict(row.payload))


def by_type(row: OutboxMessage) -> str | None:
    """Messages queued by a handler or sweep (replies are kept from the handler's answer)."""
    return None if row.idempotency_key.startswith("reply:") else row.message_type


def gathered_name(row: OutboxMessage) -> str | None:
    """A day's reminder message is named by the kinds of reminder it gathers."""
    if not row.idempotency_key.startswith("reminders:"):
        return None
    kinds = sorted(item["kind"] for item in row.payload["meta"]["items"])
    return "reminders." + "+".join(kinds)


def followed_up(row: OutboxMessage) -> str | None:
    """A day's reminder message holding follow-ups, named as gathered and marked so."""
    name = gathered_name(row)
    follow_up = any(i["meta"].get("follow_up") for i in row.payload["meta"].get("items", []))
    return f"{name}.follow_up" if name is not None and follow_up else None


async def _delivered(deps: Deps) -> None:
    """The dispatcher's part: each queued message sent at its time (escalations wait for it)."""
    async with deps.sessions.begin() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .values(status="sent", sent_at=OutboxMessage.next_attempt_at)
        )


async def _council(sessions: Sessions) -> None:
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", boss)
        for sid, name, role, team, boss in PEOPLE
    )
    cases = tuple(CaseRecord(ref, worker, kind, dt.date(2026, 9, 1)) for ref, worker, kind in CASES)
    async with sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=START, actor="test")


def _programme() -> Any:
    """The default programme, with a principal social worker joining one audit a round and a
    lead auditor told who audits how many, and practice-week findings graded, so those messages
    are made too."""
    programme = load_programme("default")
    # Ten people in one line of management leave too few independent auditors for the default
    # "no manager audits anyone below them": this run keeps only "never their line manager"
    # (the line-of-management rule is tested in tests/handlers/case_audit/allocation).
    only_line_manager = Independence(not_line_manager=True, not_line_of_management=False)
    activities = [
        a.model_copy(update={"joins_one_audit": ["principal_social_worker"],
                             "lead_auditor_role": "service_manager",
                             "independence": only_line_manager})
        if isinstance(a, CaseAudit)
        else a.model_copy(update={"graded": True}) if isinstance(a, PracticeWeekActivity)
        else a
        for a in programme.activities
    ]  # fmt: skip
    return programme.model_copy(update={"activities": activities})


def answers(**extra: str) -> dict[str, str]:
    return {"grade": "Good", "grade_reason": "A clear plan; the child's voice is recorded"} | extra


async def _allocations(run: Run) -> list[AllocationView]:
    async with run.deps.sessions() as session:
        return await audits.allocations(session)


async def _first_moderation(run: Run, recorded_for: int) -> Moderation:
    async with run.deps.sessions() as session:
        found = await session.scalars(select(Moderation).order_by(Moderation.id))
        moderations = list(found)
    assert len(moderations) >= recorded_for
    return moderations[recorded_for - 1]


async def _staff_id_of(run: Run, person_id: int) -> str:
    async with run.deps.sessions() as session:
        people = await audit_people.people_by_id(session, [person_id])
    return people[person_id].staff_id


async def _script(run: Run) -> None:
    deps = run.deps
    # first flows
    await run.reply("welcome", "S05", "hello")
    await run.reply("help", "S05", "text", text="help")
    await run.reply("help_qa_team", "S08", "text", text="help")
    await run.reply("not_caught", "S05", "text", text="hlep")
    await run.reply("not_caught_blank", "S05", "text", text="  ")
    await run.reply("not_caught_too_long", "S05", "text", text="help " * 500)
    await run.reply("my_qa_nothing_yet", "S09", "text", text="my qa")
    await run.reply("away_set", "S06", "text", text="away until 06/01/2027")
    await run.problem("away_unreadable_date", "S06", "text", "", "", text="away until 31/02/2027")
    await run.reply("back", "S06", "text", text="back")

    # allocation: a DM to each auditor, practitioner, joiner and lead, and the QA team's summary
    activity = deps.programme.of_kind(CaseAudit)[0]
    async with deps.sessions.begin() as session:
        await run_allocation(deps, session, activity, 2027, 1)
    await run.keep_queued(by_type)
    views = {v.practitioner.staff_id: v for v in await _allocations(run)}
    tom, leah, priya = views["S05"], views["S06"], views["S07"]

    # the checklist, ticked from the message it came in
    notified = f"audit.notified:{tom.id}"
    ticked = await run.send("S05", "action", CHECKLIST_TICK, f"{tom.id}:chronology",
                            source_key=notified)  # fmt: skip
    run.keep("checklist_updated", ticked.update)
    await run.problem("checklist_tick_not_yours", tom.auditor.staff_id, "action",
                      CHECKLIST_TICK, f"{tom.id}:plan")  # fmt: skip
    # an item that doesn't apply to this case: a button, then a short form with a reason
    await run.reply("checklist_not_applicable", "S05", "action", OPEN_NOT_APPLICABLE, str(tom.id))
    await run.reply("checklist_not_applicable_no_reason", "S05", "form", NOT_APPLICABLE,
                    str(tom.id), item="danger_statements", reason="")  # fmt: skip
    await run.reply("checklist_not_applicable_saved", "S05", "form", NOT_APPLICABLE, str(tom.id),
                    item="danger_statements", reason="No Signs of Safety here")  # fmt: skip

    # when they meet: the auditor sets it from a button's form (sent back once with a problem
    # beside each field) and Tom hears it; Ann sets hers in chat, so her reminders count to it
    await run.reply("audit_agreed_form", tom.auditor.staff_id, "action", OPEN_AGREED,
                    str(tom.id))  # fmt: skip
    await run.problem("audit_agreed_error_every_problem", tom.auditor.staff_id, "form",
                      SET_AGREED, str(tom.id), day="2027-01-01", time="19:00")  # fmt: skip
    await run.reply("audit_agreed_saved", tom.auditor.staff_id, "form", SET_AGREED, str(tom.id),
                    day="2027-01-12", time="10:00")  # fmt: skip
    await run.keep_queued(by_type)  # the word to Tom
    await run.reply("audit_agreed_saved_in_chat", "S09", "text",
                    text="meeting C-000104 on 26/01/2027 at 2pm")  # fmt: skip
    await run.queued()  # the word to Ann's auditor, like Tom's

    # the audit record, and each way its form can be sent back
    auditor = tom.auditor.staff_id
    await run.reply("audit_record_form", auditor, "action", OPEN_RECORD, str(tom.id))
    form = functools.partial(run.problem, staff_id=auditor, kind="form", name=RECORD,
                             value=str(tom.id))  # fmt: skip
    await form("record_error_missing_answer", grade="Good")
    await form("record_error_unknown_grade", **answers(grade="Fine"))
    await form("record_error_unreadable_date",
               **answers(action_1="Update the chronology", action_1_due="31/02/2027"))  # fmt: skip
    await form("record_error_past_date",
               **answers(action_1="Update the chronology", action_1_due="2026-12-01"))  # fmt: skip
    await form("record_error_unknown_owner",
               **answers(action_1="Update the chronology", action_1_owner="Nobody Known",
                         action_1_due="2027-02-12"))  # fmt: skip
    await form("record_error_every_problem", grade="Good", strengths="Knows the family well",
               action_1="Update the chronology", action_1_due="31/02/2027",
               action_2="Book supervision", action_2_owner="Nobody Known",
               action_2_due="2027-02-12")  # fmt: skip
    inadequate = answers(
        grade="Inadequate", strengths="Tom knows the family well", worries="Drift since October",
        action_1="Update the chronology", action_1_due="2027-01-12",
        action_2="Supervision on drift", action_2_owner=auditor, action_2_due="2027-02-12",
    )  # fmt: skip
    await run.reply("audit_recorded", auditor, "form", RECORD, str(tom.id), **inadequate)
    await run.keep_queued(by_type)  # the reflection and moderation requests, and for an
    # Inadequate grade the word to the worker's line manager and to the QA team's channel

    # reflections: the form again from My QA, a missing answer, saved, then opened again
    prompts = [p.id for p in activity.reflection.prompts]
    mine = {p: f"My answer to {p}" for p in prompts}
    await run.reply("reflection_form", "S05", "action", OPEN_REFLECTION, str(tom.id))
    await run.problem("reflection_error_missing_answer", "S05", "form", SAVE_REFLECTION,
                      str(tom.id), **{prompts[0]: mine[prompts[0]]})  # fmt: skip
    await run.reply("reflection_saved", "S05", "form", SAVE_REFLECTION, str(tom.id), **mine)
    await run.reply("reflection_form_with_answers", "S05", "action", OPEN_REFLECTION, str(tom.id))

    # the moderation of the Inadequate audit: its form, a disagreement with no grade, then saved
    # agreeing, with an action of the moderator's (a grade moderated up would count from then
    # on: the actions below would no longer need the line manager to confirm them)
    first = await _first_moderation(run, 1)
    moderator = await _staff_id_of(run, first.moderator_id)
    await run.reply("moderation_form", moderator, "action", OPEN_MODERATION, str(first.id))
    await run.problem("moderation_error_no_grade", moderator, "form", RECORD_MODERATION,
                      str(first.id), agree="no", comments="The evidence points lower")  # fmt: skip
    await run.reply("moderation_saved", moderator, "form", RECORD_MODERATION, str(first.id),
                    agree="yes", comments="The plan is there; drift is the worry",
                    action_1="Talk through drift at the next team meeting",
                    action_1_owner="S03", action_1_due="2027-01-29")  # fmt: skip
    await run.keep_queued(by_type)  # the moderation's outcome, to the auditor

    # two more audits recorded: Leah's with two actions of her own, Priya's Outstanding (and so
    # moderated, left open to be reminded of)
    leah_actions = answers(action_1="Share the plan with school", action_1_due="2027-01-12",
                           action_2="Book a review meeting", action_2_due="2027-01-12")  # fmt: skip
    await run.reply("audit_recorded_good", leah.auditor.staff_id, "form", RECORD, str(leah.id),
                    **leah_actions)  # fmt: skip
    await run.keep_queued(by_type)  # the findings, to Leah's line manager for supervision
    await run.reply("audit_recorded_outstanding", priya.auditor.staff_id, "form", RECORD,
                    str(priya.id), **answers(grade="Outstanding"))  # fmt: skip
    await run.queued()
    second = await _first_moderation(run, 2)
    await run.reply("my_qa_practitioner", "S06", "text", text="my qa")
    await run.reply("my_qa_moderator", await _staff_id_of(run, second.moderator_id), "text",
                    text="my qa")  # fmt: skip
    await run.reply("supervision_reflections", "S03", "text", text="reflections")

    # the auditor's own action from Tom's Inadequate audit closed: what was done, asked in a
    # form; their line manager asks for more, then confirms; a reminder snoozed and explained,
    # and Tom's action, from an Inadequate audit, held no later than its due date
    async with deps.sessions() as session:
        actions = list(await session.scalars(select(Action).order_by(Action.id)))
    own = str(actions[1].id)
    await run.reply("action_done_form", auditor, "action", ACTION_DONE, own)
    await run.reply("action_done_form_blank", auditor, "form", ACTION_DONE, own, evidence="")
    await run.reply("action_done", auditor, "form", ACTION_DONE, own,
                    evidence="Supervision held on 6 January; drift plan agreed")  # fmt: skip
    await run.keep_queued(by_type)  # the line manager's ask to confirm
    confirmer = str(run.messages["action_confirm"].meta["manager"])
    await run.reply("action_confirmed_not_yet", confirmer, "action", ACTION_NOT_YET, own)
    await run.keep_queued(by_type)  # the owner's word that it needs a little more
    await run.send(
        auditor,
        "form",
        ACTION_DONE,
        own,
        evidence="Supervision held on 6 January; drift plan agreed and recorded",
    )
    await run.reply("action_confirmed", confirmer, "action", ACTION_CONFIRM, own)
    await run.queued()  # the second ask to confirm, like the first
    await run.reply("reminder_snoozed", "S07", "action", SNOOZE, f"reflection:{priya.id}:2")
    await run.reply("reminder_snooze_reason", "S07", "form", SNOOZE_REASON,
                    f"reflection:{priya.id}", reason="court")  # fmt: skip
    await run.reply("reminder_snoozed_capped", "S05", "action", SNOOZE,
                    f"action:{actions[0].id}:10")  # fmt: skip
    await run.reply("reminder_why", "S06", "action", WHY, "action.reminder")
    failed = run.router.failed(Inbound("sandbox", "e-x", "S05", "text"), RuntimeError("a fault"))
    run.keep("apology", failed.message)

    # the month's sweeps, each working morning: every kind of day's reminder message, alone and
    # gathered, and the escalations to managers
    day = START.date()
    while day < dt.date(2027, 3, 1):
        day += dt.timedelta(days=1)
        morning = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
        run.clock.set(morning)
        await Reminders(deps, reminder_sources()).sweep(morning)
        await run.keep_queued(gathered_name)
        await _delivered(deps)
        if day == QA_VIEW_DAY:
            await _qa_team_view(run)

    # the manager asks after the audit raised with them: their answer, and the person's word
    escalated = run.messages["reminders.audit_escalated"]
    manager, item = escalated.meta["manager"], escalated.buttons[0].value
    await run.reply("escalation_answered", manager, "action", ESCALATION_ASK, item)
    await run.keep_queued(lambda row: "escalation_asked" if row.message_type == "escalation_asked"
                          else None)  # fmt: skip
    # an escalated action is reassigned: the people picker, the person who has it already, and
    # another team's manager, picked by name
    actions = run.messages[
        "reminders.action_escalated+action_escalated+action_escalated+action_reminder"
    ]
    first = next(i["meta"] for i in actions.meta["items"] if "manager" in i["meta"])
    manager, item, owner = first["manager"], f"action:{first['action_id']}", first["owner"]
    await run.reply("escalation_reassign_form", manager, "action", ESCALATION_REASSIGN, item)
    await run.problem("escalation_reassign_error_same_person", manager, "form",
                      ESCALATION_REASSIGN_SAVE, item, person=owner)  # fmt: skip
    await run.reply("escalation_answered_reassigned", manager, "form", ESCALATION_REASSIGN_SAVE,
                    item, person="Marcus Reid")  # fmt: skip
    await run.keep_queued(lambda row: row.message_type if row.message_type in (
        "escalation_reassigned", "escalation_released") else None)  # fmt: skip

    # still not recorded well after that: the QA manager decides, closing it with a reason
    stalled = run.messages["reminders.audit_stalled"]
    allocation = stalled.buttons[0].value
    await run.reply("audit_stalled_form", "S08", "action", STALLED_OPEN, allocation)
    await run.reply("audit_stalled_done", "S08", "form", STALLED_DECIDE, allocation,
                    decision="close", reason="The case closed before the audit")  # fmt: skip

    # observations of practice: Tom was last observed on 25 March 2026, so is due on 25 March
    # 2027: Dana hears ahead and once overdue, Sam (her manager) ten working days after it, her
    # overdue nudge having been delivered a week before
    async with deps.sessions.begin() as session:
        await session.execute(
            update(Person)
            .where(Person.staff_id == "S05")
            .values(last_observed=dt.date(2026, 3, 25))
        )
    for month, day_of in ((3, 11), (4, 5), (4, 12)):
        morning = dt.datetime(2027, month, day_of, 10, 0, tzinfo=dt.UTC)
        run.clock.set(morning)
        await Reminders(deps, reminder_sources()).sweep(morning)
        await run.keep_queued(gathered_name)
        await _delivered(deps)
    async with deps.sessions() as session:
        tom_id = await session.scalar(select(Person.id).where(Person.staff_id == "S05"))
    watched = f"observation:experienced:{tom_id}"
    await run.reply("observation_form", "S03", "action", OPEN_OBSERVATION, watched)
    await run.problem("observation_error_home_visit_without_consent", "S03", "form",
                      RECORD_OBSERVATION, watched, observed_on="2027-04-12",
                      setting="home_visit", consent="no")  # fmt: skip
    await run.reply("observation_saved", "S03", "form", RECORD_OBSERVATION, watched,
                    observed_on="2027-04-12", setting="home_visit", consent="yes",
                    strengths="Calm, clear explanation of the plan to the family.",
                    areas="Check what the children understood, in their own words.",
                    actions="Share the plan in writing with the family",
                    actions_due="2027-05-12")  # fmt: skip
    await run.keep_queued(by_type)  # Tom's word that it is recorded
    recorded = run.messages["observation_recorded"]
    observation = recorded.buttons[0].value
    await run.reply("observation_reflection_form", "S05", "action", OPEN_OBSERVATION_REFLECTION,
                    observation)  # fmt: skip
    await run.reply("observation_reflection_saved", "S05", "form", OBSERVATION_REFLECT,
                    observation, reflection="Slowing down helped the family follow.")  # fmt: skip

    # the weekly manager digest: each line manager's team picture on the week's first working day
    monday = dt.datetime(2027, 4, 19, 7, 0, tzinfo=dt.UTC)
    run.clock.set(monday)
    await send_weekly(deps, team_pictures(), monday)
    await run.keep_queued(lambda row: "team_digest" if row.message_type == "team_digest"
                          and row.recipient == "person:S03" else None)  # fmt: skip
    # the same picture in the line manager's own My QA (and so their Slack Home tab)
    await run.reply("my_qa_line_manager", "S03", "text", text="my qa")

    # the dispatcher's word to the QA team when a message cannot be delivered
    stuck = Claimed(1, "reminders:S06:2027-01-07", "person:S06", "sandbox", run.messages[GATHERED],
                    attempts=8, revision=0, lease_until=run.clock.now())  # fmt: skip
    run.keep("parked_alert", parked_alert(stuck, "ratelimited", "Leah Brown"))
    # people qabot cannot reach in Teams, listed once to the QA team (bot/teams/unreachable.py)
    unreachable = [("S05", "Tom Okafor"), ("S09", "Ann Other")]
    run.keep("teams_unreachable", unreachable_message(run.deps.wording, unreachable))
    # people Slack cannot find by their roster email, listed once to the QA team
    # (bot/slack/directory.py)
    unfound = {"S09": "s09@council.example", "S05": "s05@council.example"}
    run.keep("slack_people_unfound", unfound_message(run.deps.wording, unfound))

    # a practice-week post with no Slack channel bound for it is held, and the QA team told;
    # a QA-team member asking to bind it from a DM is asked to type it in the channel
    on_slack = replace(run.deps, platforms=("slack",))
    async with run.deps.sessions.begin() as session:
        await enqueue(on_slack, session, key="practice-week:held",
                      recipient="channel:practice-week", message=Message(kind="note", text="-"),
                      not_before=run.clock.now())  # fmt: skip
    await run.keep_queued(by_type)
    await run.reply("channel_bound", "S08", "text", text="post practice-week here")
    # someone added qabot in Teams who is not in the staff list: the QA team's word of them
    emails = ["Sam.Visitor@agency.example", "sam.visitor@agency.example"]
    run.keep("unmatched_person", unmatched_notice(run.deps.wording, "Sam Visitor", emails))
    # the QA team told, in their one message of a day, that June's themed round has no theme
    await _themed_round_warning(run)

    # qabot down until 24 June: June's round would start two working days from its end, so the
    # QA team is asked in their channel; the QA manager allocates it with a new due date
    late = dt.datetime(2027, 6, 24, 8, 0, tzinfo=dt.UTC)
    run.clock.set(late)
    await allocate_due(deps, late)
    await run.keep_queued(lambda row: "late_round" if row.message_type == "late_round" else None)
    await run.reply(
        "late_round_answered", "S08", "action", ROUND_ALLOCATE_LATE, "case_audit:2027-06"
    )
    await _practice_week(run)
    await _broadcasts(run)


SCHEDULE = (
    "visitor,team,day,slot,activity\n"
    "S01,Team A,2027-09-14,10:00-12:00,Review a case record with the worker\n"
    "S02,Team B,2027-09-15,14:00-16:00,Direct observation of practice\n"
)


async def _practice_week(run: Run) -> None:
    """September's practice week: loaded by the QA manager, posted to its channel, each visit in
    the visitor's and the team's daily message the day before, findings (graded here) and the
    team's feedback asked for the day after, and the QA team's summary after the week."""
    deps = run.deps
    await load_schedule(deps.sessions, deps.programme, deps.calendar,
                        CsvFile("schedule.csv", SCHEDULE.encode()), by="S08")  # fmt: skip
    jobs_by_name = dict(jobs(deps))
    await run.queued()
    for day, job in (
        (dt.date(2027, 8, 31), "practice_week"),
        (dt.date(2027, 9, 13), ""),
        (dt.date(2027, 9, 15), ""),
        (dt.date(2027, 9, 21), "follow_up"),  # the one follow-up of asks still unanswered
        (dt.date(2027, 9, 24), "practice_week_summary"),
    ):
        morning = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
        run.clock.set(morning)
        if job == "follow_up":
            await Reminders(deps, reminder_sources()).sweep(morning)
            await run.keep_queued(followed_up)
        elif job:
            await jobs_by_name[job](morning)
            await run.keep_queued(by_type)
        else:
            await Reminders(deps, reminder_sources()).sweep(morning)
            await run.keep_queued(gathered_name)
        if day == dt.date(2027, 9, 15):
            await _practice_week_forms(run)


async def _practice_week_forms(run: Run) -> None:
    async with run.deps.sessions() as session:
        visit = await session.scalar(select(PracticeWeekSlot.id).order_by(PracticeWeekSlot.id))
    value = str(visit)
    await run.reply("practice_week_findings_form", "S01", "action", OPEN_FINDINGS, value)
    await run.problem("practice_week_findings_error_missing_answer", "S01", "form", FINDINGS,
                      value, grade="Good", strengths="Warm, curious practice")  # fmt: skip
    await run.reply("practice_week_thanks_findings", "S01", "form", FINDINGS, value, grade="Good",
                    strengths="Warm, curious practice", develop="Plans written with families",
                    themes="The voice of the child")  # fmt: skip
    await run.reply("practice_week_feedback_form", "S03", "action", OPEN_FEEDBACK, value)
    await run.reply("practice_week_thanks_feedback", "S03", "form", FEEDBACK, value,
                    rating="very", comments="More time with the newer workers")  # fmt: skip
    # the QA manager reads them (no case reference in them); a practitioner is told who can
    await run.reply("practice_week_findings_read", "S08", "text",
                    text="practice week findings 15/09/2027")  # fmt: skip
    await run.problem("practice_week_findings_not_permitted", "S05", "text", "", "",
                      text="practice week findings")  # fmt: skip


async def _broadcasts(run: Run) -> None:
    """A bitesize item from the QA manager in chat (a practitioner told who can, and one naming
    a family's postcode refused), posted in its slot with "I've read this", read, and counted."""
    deps = run.deps
    await run.reply("broadcast_queued", "S08", "text",
                    text="bitesize Three questions for **every** visit: see "
                         "[the guide](https://council.example/guide)")  # fmt: skip
    await run.problem("broadcast_not_permitted", "S05", "text", "", "", text="bitesize Hello")
    await run.problem("broadcast_refused", "S08", "text", "", "",
                      text="bitesize What we learnt at W6 9JU")  # fmt: skip
    async with deps.sessions() as session:
        item = (await queue.everything(session))[-1]
    run.clock.set(item.scheduled_for)
    await dict(jobs(deps))["broadcasts"](item.scheduled_for)
    await run.keep_queued(by_type)
    await run.reply("broadcast_read", "S05", "action", READ, str(item.id))
    await run.reply("broadcast_read_again", "S05", "action", READ, str(item.id))
    await run.reply("broadcast_reads", "S10", "text", text="broadcasts")


async def _themed_round_warning(run: Run) -> None:
    """The QA team warned ahead of a themed round with no theme, then naming it in chat (a theme
    qabot does not know first), and listing the themed rounds coming up."""
    neglect = Theme(name="neglect", case_types=["CP"])
    activities = [
        a.model_copy(update={"themed_months": [6], "themes": [neglect]})
        if isinstance(a, CaseAudit) else a
        for a in run.deps.programme.activities
    ]  # fmt: skip
    themed = replace(run.deps, programme=run.deps.programme.model_copy(
        update={"activities": activities}))  # fmt: skip
    day = dt.date(2027, 5, 3)
    while not themed_rounds_to_check(themed.programme.of_kind(CaseAudit), themed.calendar, day):
        day += dt.timedelta(days=1)
    morning = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    run.clock.set(morning)
    await Reminders(themed, reminder_sources()).sweep(morning)
    await run.keep_queued(lambda row: gathered_name(row) if row.recipient == "person:S08" else None)
    router, run.router = run.router, build_router(themed)
    deps, run.deps = run.deps, themed
    try:
        await run.problem("round_theme_unknown", "S08", "text", "", "", text="theme 2027-06 dv")
        await run.reply("round_theme_named", "S08", "text", text="theme 2027-06 neglect")
        await run.reply("round_theme_listed", "S08", "text", text="theme")
    finally:
        run.router, run.deps = router, deps


async def _qa_team_view(run: Run) -> None:
    """The QA manager's My QA, with one message parked as the dispatcher leaves one it gave up
    on: Ann's checklist, so she is also someone qabot cannot reach."""
    async with run.deps.sessions.begin() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "person:S09",
                                        OutboxMessage.message_type == "audit_notified")
        )  # fmt: skip
        assert row is not None
        row.status, row.attempts, row.last_error = PARKED, 8, "user_not_found"
    await run.reply("my_qa_qa_team", "S08", "text", text="my qa")


async def produce(database: Path) -> dict[str, Message]:
    """Run the script on a fresh database at `database`; every message it made, by name."""
    url = f"sqlite:///{database}"
    upgrade(url)
    engine = make_engine(url)
    try:
        sessions = make_sessions(engine)
        await _council(sessions)
        programme = _programme()
        clock = VirtualClock(START)
        deps = Deps(
            sessions=sessions,
            wording=Wording(),
            clock=clock,
            programme=programme,
            calendar=Calendar.from_programme(programme),
            case_link="https://lcs.council.example/case/{case_ref}",
        )
        run = Run(deps, build_router(deps), clock)
        await _script(run)
        return run.messages
    finally:
        await engine.dispose()


@functools.cache
def real_messages(folder: Path) -> dict[str, Message]:
    """The messages of one run, made once per test session (the folder holds its database)."""
    return asyncio.run(produce(folder / "real-messages.db"))
