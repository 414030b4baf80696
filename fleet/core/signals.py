"""Domain signals: how a lower layer wakes a higher one without importing it.

The booking layer knows when a slot is freed or an asset becomes unusable; the allocation layer knows what to
do about it (assign a waiting request, move bookings to an equivalent asset). Allocation connects its
receivers when it is imported (`fleet/allocation/__init__.py` imports `fleet.allocation.pool_changes`), and
the application imports allocation when it starts, so every entry point (web, API, CLI, jobs) has them.
Receivers run synchronously in the sender's transaction: what they change commits or rolls back with it.
Each is sent with the session as the sender.
"""
from __future__ import annotations

from blinker import Namespace

_domain = Namespace()

booking_freed = _domain.signal("booking-freed")
"""A holding booking stopped holding its asset (cancelled, rejected, no-show). Keywords: `booking`, `now`."""

slot_freed = _domain.signal("slot-freed")
"""Part of a booking's time became free (an early return). Keywords: `asset`, `start`, `end`, `now`."""

asset_unavailable = _domain.signal("asset-unavailable")
"""An asset cannot be used during [start, end) (out of service, retired, a maintenance window). Keywords:
`asset_id`, `start`, `end`, `now`, `reason` (a coordinator's words or a `Term`)."""

charge_posted = _domain.signal("charge-posted")
"""A booking's charge was posted to the borrower's ledger (at check-in, or as a no-show or late fee). Keywords:
`booking`, `amount_minor` (int, the whole charge), `currency` (ISO 4217), `now`. The receiver that credits a
member-owned item's owner with their share listens here, so the charging code never knows about owners."""
