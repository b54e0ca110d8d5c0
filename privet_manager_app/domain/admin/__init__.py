"""The team and the catalogue: accounts and login (auth), managers, tariffs, the dashboard.

May import `domain.common`, `domain.history`, `domain.inputs`, `domain.views`,
`domain.clients.listing` (which statuses are «in work»), the wizard's tariff and device modules
(`tariff_formula`, `tariff_apply`, `device_categories`; `contract` and `devices` for the storage
sweep), `schema`, `infra`, `settings`. No Reflex/FastAPI.
"""
