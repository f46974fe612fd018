"""Persistence: models, repositories (the only code touching a Session), migrations."""
