"""The REST surface: /api/manager (JWT) and /api/verify (public) on FastAPI, mounted into the
Reflex app on the same port. Request models subclass the domain's input types; errors become
`{detail, code, fields?}` in one place (`errors.py`).

May import `domain` (use cases, inputs, views), `settings`, `edge` (the client's IP, the
session cookie), `infra.db` (is an error a database outage?), `infra.storage` (the local
backend's signed upload URLs) and FastAPI; opens no transaction and imports no `schema`.
"""
