"""What every part of the business shares: the one error type, the acting manager, free-text
rules, money, masks, the clock.

Pure helpers: may import `schema` enums and third-party libraries only — nothing else of the
domain, no infrastructure, no Reflex/FastAPI. Anything in the project may import these.
"""
