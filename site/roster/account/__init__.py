"""Self-service: a user downloads everything Roster keeps about them, or deletes the account."""
