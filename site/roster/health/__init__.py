"""`GET /healthz` for load balancers: can this instance serve (database), and is Redis there."""
