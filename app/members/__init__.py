"""Members and roles of an organisation: list, add, change a role, remove."""
