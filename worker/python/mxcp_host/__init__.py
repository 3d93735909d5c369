"""The worker's Python host: one long-lived process speaking JSON lines over stdio (see PROTOCOL.md)."""
