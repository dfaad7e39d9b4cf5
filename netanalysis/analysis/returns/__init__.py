"""Delayed returns: time to first outcome, carryover, lag shapes and the verdict."""
