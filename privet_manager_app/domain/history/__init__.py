"""The history of a client: the audit trail (tamper-evident) and the manager's journal."""
