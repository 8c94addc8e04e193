"""The organisation's agenda as an iCalendar feed: times and offers, never a citizen's name or contacts."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from icalendar import Calendar, Event

from .dates import at_rome
from .models import Booking
from .services import agenda_bookings


def _grouped(bookings: list[Booking]) -> dict[tuple[int, date], list[Booking]]:
    groups: dict[tuple[int, date], list[Booking]] = defaultdict(list)
    for booking in bookings:
        groups[(booking.occurrence.slot_id, booking.day)].append(booking)
    return groups


def _event(slot_bookings: list[Booking], places_label: str) -> Event:
    first = slot_bookings[0]
    slot = first.slot
    event = Event()
    event.add("uid", f"catalog-{slot.id}-{first.day.isoformat()}@distretto")
    event.add("summary", f"{first.offer.title_it} ({len(slot_bookings)} {places_label})")
    event.add("dtstart", at_rome(first.day, slot.starts_at))
    event.add("dtend", at_rome(first.day, slot.ends_at))
    event.add("dtstamp", datetime.now(UTC))
    return event


def agenda_ics(organisation_id: int, start: date, places_label: str) -> bytes:
    """One event per booked slot and day, with the number of places taken (no personal data)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Distretto//catalog//IT")
    calendar.add("version", "2.0")
    for slot_bookings in _grouped(agenda_bookings(organisation_id, start)).values():
        calendar.add_component(_event(slot_bookings, places_label))
    return calendar.to_ical()
