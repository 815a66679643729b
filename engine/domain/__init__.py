"""Pure domain: appeals, business time, deadline policies and escalation ladders."""
