"""The click log: GET /api/report/clicks."""
