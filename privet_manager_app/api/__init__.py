"""REST API (/api/manager, /api/verify) on FastAPI, mounted into the Reflex app."""
