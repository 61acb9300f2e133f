"""English date formats: the site's lists have always shown ISO dates (2024-05-01 14:03)."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
