"""Development and demo data, never loaded by a production start: the client-app stand-in
tables and rows (`client_app_fixture.py`), demo managers, tariffs and clients walked through the
real wizard (`demo.py`).

May import anything below the surfaces: `schema`, `domain`, `infra`.
"""
