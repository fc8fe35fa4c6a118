"""Forgiving parsers for what people type: numbers, ages, durations, places, choices."""
