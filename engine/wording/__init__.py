"""What people read, in Russian, in one place: the names of codes (labels) and the texts of
messages — alerts and dead letters (alerts), the daily digest (digest), notices to an appeal's
author (notices). Pure functions of data: no storage, no clock, no rules engine."""
