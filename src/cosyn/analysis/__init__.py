"""Analyses of a fitted model's values across entities and periods."""
