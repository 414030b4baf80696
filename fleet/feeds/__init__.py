"""Open feeds: GBFS for the vehicles, iCalendar for bookings and availability."""
