"""The wizard's steps, one module per part of the business: profile, addresses and phones
(step 1), passport and its scan from the machine-readable zone (2), devices and photos (3), the
tariff formula and its application, the contract, its text, the one-time code, signing,
numbering and verification (4), the client's support chat and payment (final).

May import `domain.common`, `domain.history`, `domain.inputs`, `domain.clients.access`,
`.listing` and `.projection` (who may change a client, the card row, the duplicate-phone
lookup), `schema`, `infra`, `settings`. Never the
`domain.clients` use cases, never Reflex/FastAPI.
"""
