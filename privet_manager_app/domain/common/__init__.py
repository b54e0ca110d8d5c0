"""What every part of the business shares: the one error type, the acting manager, free-text
rules, money, masks, the clock, and finding a client's row or refusing in one voice (`rows`).

May import `schema`, `domain.views` (the `View` base of a notice), `infra.db` (the throttle's
upsert; `rows` and `throttle` run on the caller's session) and libraries — nothing else of the
domain, no Reflex/FastAPI. Anything in the project may import these.
"""
