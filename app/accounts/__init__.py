"""Social accounts: the list of the visible organisations' accounts, disable and enable.

Connecting accounts (OAuth) is added to this same `accounts` blueprint by the adapter work.
"""
