"""`python -m bench`: Roster's load benchmark, measured against a hello-world Flask app."""
