"""Booking: availability, the one booking write path, maintenance windows, recurring series, handover, damage photos and the periodic booking jobs (no-shows, reminders, overdue returns)."""
