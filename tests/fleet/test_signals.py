"""The booking layer wakes allocation through domain signals (fleet.core.signals), never by importing it.
These fail when allocation's receivers are not connected, or when the booking layer stops sending."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from fleet.allocation import pool_changes
from fleet.core import signals

ROOT = Path(__file__).resolve().parents[2]


def test_allocation_connects_a_receiver_to_every_booking_signal():
    expected = {signals.booking_freed, signals.slot_freed, signals.asset_unavailable}
    assert set(pool_changes.RECEIVERS) == expected
    for signal, receiver in pool_changes.RECEIVERS.items():
        connected = list(signal.receivers_for(object()))
        assert receiver in connected, f"{signal.name} has no allocation receiver"


def test_the_booking_layer_alone_connects_nothing_and_importing_allocation_connects_all():
    code = textwrap.dedent("""
        import sys
        import fleet.booking.bookings, fleet.booking.handover, fleet.booking.jobs, fleet.booking.maintenance
        from fleet.core import signals
        names = ("booking_freed", "slot_freed", "asset_unavailable")
        print("fleet.allocation" in sys.modules)
        print(sum(bool(getattr(signals, n).receivers) for n in names))
        import fleet.allocation
        print(sum(bool(getattr(signals, n).receivers) for n in names))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "0", "3"]


def test_every_signal_is_sent_by_the_booking_or_catalogue_layer():
    sources = "".join(p.read_text() for sub in ("booking", "catalogue") for p in (ROOT / "fleet" / sub).glob("*.py"))
    for name in ("booking_freed", "slot_freed", "asset_unavailable"):
        assert f"signals.{name}.send(" in sources, f"nothing sends {name}"
