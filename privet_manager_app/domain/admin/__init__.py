"""The team and the catalogue: accounts and login (auth), managers, tariffs, the dashboard.

May import `domain.common`, `domain.history`, `domain.wizard.tariff_formula`, `schema`,
`infra`, `settings`. No Reflex/FastAPI.
"""
