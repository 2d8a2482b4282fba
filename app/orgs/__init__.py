"""Organisation tree: list, detail, create a child organisation, edit one."""
