"""The session: what the user is working on and its file format (pure Python, no Qt)."""
