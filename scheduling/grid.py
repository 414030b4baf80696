"""The slot grid: the solver works in integer slots of ``slot_minutes`` from the horizon start."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Grid:
    start: datetime
    slot_minutes: int
    n_slots: int

    @classmethod
    def for_horizon(cls, start: datetime, end: datetime, slot_minutes: int) -> "Grid":
        g = cls(start, slot_minutes, 0)
        return cls(start, slot_minutes, max(0, g.slot_down(end)))

    def _ticks(self, when: datetime) -> tuple[int, int]:
        # integer microseconds: exact, unlike float seconds
        return (when - self.start) // timedelta(microseconds=1), self.slot_minutes * 60_000_000

    def slot_up(self, when: datetime) -> int:
        """First slot boundary at or after ``when`` (window starts are rounded inward)."""
        us, step = self._ticks(when)
        return -(-us // step)

    def slot_down(self, when: datetime) -> int:
        """Last slot boundary at or before ``when`` (window ends are rounded inward)."""
        us, step = self._ticks(when)
        return us // step

    def slots_for_minutes(self, minutes: int) -> int:
        """Slots an occupation of ``minutes`` blocks (rounded up, so the asset is never overbooked)."""
        return -(-minutes // self.slot_minutes)

    def at(self, slot: int) -> datetime:
        return self.start + timedelta(minutes=slot * self.slot_minutes)
