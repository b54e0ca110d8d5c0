"""The client as a whole: the list and its tabs, the card, claiming and handing over, opening a
wizard step, who may change a client (access), reopening a signed file, the CSV export.

May import `domain.common`, `domain.history`, `domain.inputs`, `domain.views`, `domain.wizard`
(to assemble what a card or a step shows), the admin's read helpers (`admin.tariffs` for the
tariffs step 4 offers, `admin.managers` for whom a client can be handed to), `schema`, `infra`.
No Reflex/FastAPI.
"""
