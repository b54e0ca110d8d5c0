"""What happened to a client: the audit trail (written by every use case, read on the card,
tamper-evident through its hash chain) and the managers' journal (automatic step entries, free
notes, what was sent to the client's chat).

May import `domain.common`, `domain.views`, `domain.inputs` (the audit names a form's fields
with its labels), `schema`, `infra`. Never the wizard or the clients package: the history is
written by them, not the other way round. No Reflex/FastAPI.
"""
