"""What every part of the business shares: the one error type, the acting manager, free-text
rules, money, masks, the clock, and finding a client's row or refusing in one voice (`rows`).

May import `schema` and libraries only — nothing else of the domain, no infrastructure (but
`rows` runs on the caller's session), no Reflex/FastAPI. Anything in the project may import
these.
"""
