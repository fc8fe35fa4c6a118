"""Behaviour the mutation run (README, "Mutation testing") found no test noticing: each test here
pins down one thing a participant or a staff member would see change."""

from __future__ import annotations
