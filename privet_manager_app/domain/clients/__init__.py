"""The client as a whole: the list and its tabs, the card, claiming and handing over, opening a
wizard step, who may change a client (access), reopening a signed file, the CSV export.

May import `domain.common`, `domain.history`, `domain.wizard` (to assemble what a card or a
step shows), `schema`, `infra`. No Reflex/FastAPI.
"""
