"""Machinery without business rules: the database engine, transactions and column types
(`db.py`), object storage (`storage.py`), PDF typesetting (`pdf.py`), the seal, encryption keys.

May import `settings`, `domain.common` (the error type and the clock) and libraries; never the
use cases, the surfaces or Reflex/FastAPI.
"""
