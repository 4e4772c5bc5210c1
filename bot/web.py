"""Service routes every process serves: /healthz for probes and /metrics for Prometheus."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func, select, text

from storage import Sessions
from storage.models import InboundEvent, OutboxMessage, Person

OUTBOX_STATUSES = ("pending", "sending", "sent", "parked")


class ServiceRoutes:
    """Health and metrics read from the database, so any process reports the same figures."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.registry = CollectorRegistry()
        self.outbox = Gauge(
            "qabot_outbox_messages", "Outbox messages by status", ["status"], registry=self.registry
        )
        self.inbound = Gauge(
            "qabot_inbound_events", "Inbound events handled", registry=self.registry
        )
        self.people = Gauge("qabot_active_people", "People on the roster", registry=self.registry)

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            async with self.sessions() as session:
                await session.execute(text("select 1"))
        except Exception:
            return web.json_response({"status": "unavailable", "database": "down"}, status=503)
        return web.json_response({"status": "ok", "database": "up"})

    async def metrics(self, request: web.Request) -> web.Response:
        async with self.sessions() as session:
            by_status = dict(
                (
                    await session.execute(
                        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                    )
                ).all()
            )
            inbound = await session.scalar(select(func.count(InboundEvent.id)))
            people = await session.scalar(select(func.count(Person.id)).where(Person.active))
        for status in OUTBOX_STATUSES:
            self.outbox.labels(status=status).set(by_status.get(status, 0))
        self.inbound.set(inbound or 0)
        self.people.set(people or 0)
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_service_routes(app: web.Application, sessions: Sessions) -> None:
    routes = ServiceRoutes(sessions)
    app.router.add_get("/healthz", routes.healthz)
    app.router.add_get("/metrics", routes.metrics)
