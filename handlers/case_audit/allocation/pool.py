"""Auditors with places left, bucketed by service, handing out the least-loaded independent one.

One heap per service keeps each pick near O(services + barred) instead of a scan of every
auditor, which is what lets a 10,000-practitioner council allocate in well under a second.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping

from handlers.case_audit.allocation.types import Staff

# (cases already given, minus places left, seeded rank, auditor id): least loaded first.
_Entry = tuple[int, int, int, str]


class AuditorPool:
    """Hands out auditor places while keeping load even and honouring by-name bars."""

    def __init__(
        self, places: Mapping[str, int], people: Mapping[str, Staff], ranks: Mapping[str, int]
    ) -> None:
        self._remaining = {a: n for a, n in places.items() if n > 0}
        self._assigned = dict.fromkeys(places, 0)
        self._ranks = ranks
        self._service = {a: people[a].service for a in places}
        self._heaps: dict[str, list[_Entry]] = {}
        self._members: dict[str, set[str]] = {}
        for auditor, left in sorted(self._remaining.items()):
            service = self._service[auditor]
            self._heaps.setdefault(service, []).append((0, -left, ranks[auditor], auditor))
            self._members.setdefault(service, set()).add(auditor)
        for heap in self._heaps.values():
            heapq.heapify(heap)

    def is_empty(self) -> bool:
        return not self._heaps

    def has_auditors(self) -> bool:
        """Whether anyone had places this period at all."""
        return bool(self._members)

    def assigned(self, auditor_id: str) -> int:
        return self._assigned.get(auditor_id, 0)

    def take(self, practitioner: Staff, barred: frozenset[str], across: bool) -> str | None:
        """Give one place to this practitioner's case: least-loaded first, own service on a tie."""
        own = practitioner.service
        choices = [
            ((entry[0], service != own, *entry[1:]), service)
            for service in self._heaps
            if not (across and service == own)
            for entry in (self._peek(service, barred),)
            if entry is not None
        ]
        if not choices:
            return None
        return self._pop(min(choices)[1], barred)

    def could_serve(self, practitioner: Staff, barred: frozenset[str], across: bool) -> bool:
        """Whether any auditor with places this period, full or not, would be independent."""
        for service, members in self._members.items():
            if across and service == practitioner.service:
                continue
            if len(members) > len(members & barred):
                return True
        return False

    def _peek(self, service: str, barred: frozenset[str]) -> _Entry | None:
        heap = self._heaps[service]
        stash = []
        while heap and heap[0][3] in barred:
            stash.append(heapq.heappop(heap))
        best = heap[0] if heap else None
        for entry in stash:
            heapq.heappush(heap, entry)
        return best

    def _pop(self, service: str, barred: frozenset[str]) -> str:
        heap = self._heaps[service]
        stash = []
        while heap[0][3] in barred:
            stash.append(heapq.heappop(heap))
        _, _, rank, auditor = heapq.heappop(heap)
        for entry in stash:
            heapq.heappush(heap, entry)
        self._assigned[auditor] += 1
        self._remaining[auditor] -= 1
        if self._remaining[auditor] > 0:
            entry = (self._assigned[auditor], -self._remaining[auditor], rank, auditor)
            heapq.heappush(heap, entry)
        if not heap:
            del self._heaps[service]
        return auditor
