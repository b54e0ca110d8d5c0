"""/clients/[client_id]/card: the client card page, its state and its sections.

Like every page: imports `domain` (use cases, views, inputs) and `ui` helpers; never `infra`,
`schema` or the database.
"""
