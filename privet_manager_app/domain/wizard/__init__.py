"""The wizard's steps, one module per part of the business: profile, addresses and phones
(step 1), passport (2), devices and photos (3), the tariff formula and its application, the
contract, its text, the one-time code, signing, numbering and verification (4), the client's
support chat and payment (final).

May import `domain.common`, `domain.history`, `domain.clients.access` (who may change a
client), `schema`, `infra`, `settings`. Never `domain.clients` use cases, never Reflex/FastAPI.
"""
