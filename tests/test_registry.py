"""The registries: every effect a flow can yield has exactly one storage handler, every proactive
kind's message kinds are known to the WhatsApp templates, and the engine's roles name real flows."""

from __future__ import annotations

import pytest

from bot.registry import EFFECT_HANDLERS, EFFECT_TYPES, FACT_LOADERS, FEATURE_HANDLERS, _joined
from flows.declare import Flows, Roles
from flows.registry import FLOWS, MESSAGE_KINDS, PROACTIVE
from storage import events


def test_every_effect_a_step_may_yield_has_one_handler() -> None:
    assert set(EFFECT_HANDLERS) == EFFECT_TYPES


def test_two_features_handling_one_effect_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.registry.FEATURE_HANDLERS", (*FEATURE_HANDLERS, events.HANDLERS))
    with pytest.raises(ValueError, match="two handlers"):
        _joined()


def test_the_scheduler_knows_every_kind_of_job_the_storage_enqueues_to_send() -> None:
    assert {"reminder", "offer", "meeting", "event_moved", "notice", "decision", "timeout"} <= set(PROACTIVE)
    assert "waitlist.offer" in MESSAGE_KINDS and "decision.approved" in MESSAGE_KINDS


def test_roles_must_name_declared_flows() -> None:
    with pytest.raises(ValueError, match="nowhere"):
        Flows(FLOWS.values(), Roles(newcomer="nowhere", menu="menu", resume="resume"))
    assert FLOWS.roles.newcomer == "prescreen" and FLOWS.roles.intents["staff"] == "staff"


def test_every_fact_a_feature_reads_has_a_loader() -> None:
    from flows.registry import FEATURES

    assert {fact for f in FEATURES for fact in f.facts} <= set(FACT_LOADERS)
