"""Measurements: performance figures (bench) and the known-bug variants table (zoo)."""
