"""The Reflex surface: one module per page with its own small State (`pages/`, `client_card/`),
the session and the one handler guard (`state.py`), routes in one place (`routes.py`), shared
components (`components/`). Thin: each user action is one domain use case; pages show and hide
what the domain's permissions say.

May import `domain` (use cases, inputs, views), `settings`, `edge` (upload rules, the client's
IP) and Reflex; never `infra`, `schema` or the database.
"""
