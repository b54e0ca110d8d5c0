"""Machinery without business rules: the database engine, transactions and column types
(`db.py`), object storage (`storage.py`), PDF typesetting (`pdf.py`), Pillow set up once for
every photo reader (`images.py`), the passport zone's OCR (`ocr.py`, `name_model.py`), the seal
(`seal.py`), encryption at rest (`crypto.py`, `keyfiles.py`), the CPU worker pool
(`cpu_pool.py`), the replicas' heartbeat (`replicas.py`) and the figures they share
(`shared_cache.py`).

May import `settings`, `schema` (the tables it keeps), `domain.common` (the error type and the
clock), the pure passport-zone alphabet (`domain.wizard.passport_mrz`) and libraries; never the
use cases, the surfaces or Reflex/FastAPI.
"""
