"""Example Warta plugin: a content rule and chat-webhook forwarding of events."""
