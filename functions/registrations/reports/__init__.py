"""Registrations as staff read them: rows, CSV/XLSX, the summary, the always-current spreadsheet."""
