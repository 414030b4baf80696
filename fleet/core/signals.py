"""Domain signals: how a lower layer wakes a higher one without importing it.

The booking layer knows when a slot is freed or an asset becomes unusable; the allocation layer knows what to
do about it (assign a waiting request, move bookings to an equivalent asset). Allocation connects its
receivers when it is imported (`fleet.allocation`), and `fleet.services` imports every layer, so any
entry point that uses the domain has them connected. Receivers run synchronously, inside the sender's
transaction: what they change commits or rolls back with it.
"""
from __future__ import annotations

from blinker import Namespace

_domain = Namespace()

booking_freed = _domain.signal("booking-freed")
"""A holding booking stopped holding its asset (cancelled, rejected, returned early, no-show).
Sent with `session`, `booking` and `now`."""

asset_unavailable = _domain.signal("asset-unavailable")
"""An asset cannot be used during [start, end) (out of service, retired, maintenance). Sent with `session`,
`asset_id`, `start`, `end`, `now` and `reason`; receivers return what they did."""
