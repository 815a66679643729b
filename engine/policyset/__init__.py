"""Everything policy staff own, loaded from the rules folder as one consistent, versioned set.

policy_set: the set (rulebook, directory, calendars, deadline policies, escalation ladders, text
reader) and loading it from a folder or a stored rules version; calendars: the deadline side of
the folder (production calendar, working hours, each body's business calendar, deadline policies).
"""

from .policy_set import PolicySet, PolicySetError, load_policy_set, load_policy_set_from_files

__all__ = ["PolicySet", "PolicySetError", "load_policy_set", "load_policy_set_from_files"]
