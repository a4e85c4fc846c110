"""Server-side sessions: every sign-in is a record that its cookies name, and that can end."""
