"""appeals-router core: domain, rules, business time, storage and jobs (no web framework here)."""
