"""Calendar adapters: iCalendar invites, busy times from ICS feeds, and invite mail over SMTP."""
