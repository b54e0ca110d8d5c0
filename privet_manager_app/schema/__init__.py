"""The database as Python sees it: the client app's tables (`client_app.py`, NOT OURS — the one
module to change when the production schema differs) and our own tables (`tables.py`).

May import: SQLAlchemy/SQLModel, `infra.db` (column types), `domain.common.clock` (the one
clock). Never the domain's use cases, the surfaces or anything Reflex/FastAPI.
"""
