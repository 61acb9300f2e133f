"""Arabic date formats: day, the month's Arabic name, year, and a 24-hour time after an
Arabic comma (1 مايو 2024، 14:03)."""

SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y، H:i"
