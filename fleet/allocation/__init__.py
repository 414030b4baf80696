"""Allocation: the only importer of the optimiser (scheduling/). Flexible requests and their waitlist, making
room, fair share, optimiser runs, and what happens when the pool changes under its bookings.

Importing this package connects the receivers of the booking layer's signals (fleet.core.signals)."""
from fleet.allocation import pool_changes as pool_changes
