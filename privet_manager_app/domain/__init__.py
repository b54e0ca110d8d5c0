"""The business in plain Python: both surfaces (REST and the Reflex pages) call these use cases
and never re-derive a rule. One use case = one function = one transaction; it takes the acting
manager (`common.actors.Actor`) and an input type (`inputs.py`), returns a view (`views.py`)
and refuses with the one `common.errors.DomainError`.

Folders by part of the business: `common/` (shared helpers), `clients/` (the client as a whole:
list, card, opening a step, who may do what), `history/` (audit and journal), `wizard/` (the
steps), `admin/` (team and catalogue).

May import `schema`, `infra`, `settings` and libraries; never Reflex, FastAPI, `api` or `ui`.
"""
