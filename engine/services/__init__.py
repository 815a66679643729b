"""Use cases: what the HTTP API, the CLI and the jobs ask the core to do."""
