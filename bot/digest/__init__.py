"""The secretariat's digest: built from the database, rendered, scheduled and delivered."""
