"""Reference data and the funder's terms: codes, calendars, places, the WMCA Wave 5 terms (layer 0)."""
