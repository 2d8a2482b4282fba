"""Core features written as plugins, registered through the same hooks as third-party ones."""
