"""What an action call must look like before the action server runs it.

rasa_sdk reads the call as it comes: a list for a body, an event without
its "event" key or a bool where a form keeps a text fails inside the SDK or
an action, and rasa_sdk answers 500 with the body echoed back. Rasa with
this project's domain never sends such a call, so the action server
(bot/action_server.py) refuses it with 400 before anything runs:

    problem(call, slot_types)  None for a call Rasa could send, else what is
                               wrong (naming the field, never a value)

`slot_types` maps each slot of domain.yml to its type (`slot_types()`
reads them): a `text` slot holds a string, `float` a number, `bool` a
boolean, each or null; `any` slots are not checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional

__all__ = ["problem", "slot_types"]

_KINDS: Dict[str, Callable[[Any], bool]] = {
    "text": lambda v: isinstance(v, str),
    "categorical": lambda v: isinstance(v, str),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
}


def slot_types(domain_file: Path) -> Dict[str, str]:
    """Each slot's type in `domain_file`."""
    import yaml

    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    return {name: str((spec or {}).get("type", "any"))
            for name, spec in (domain.get("slots") or {}).items()}


def _tracker_problem(tracker: Any, slot_types: Mapping[str, str]) -> Optional[str]:
    if not isinstance(tracker, dict) or not isinstance(tracker.get("sender_id"), str):
        return "tracker is not an object with a sender_id"
    # Rasa always sends the first three (an empty object or list at least).
    kinds = {"slots": dict, "events": list, "latest_message": dict, "active_loop": dict}
    for key, kind in kinds.items():
        if key == "active_loop" and tracker.get(key) is None:
            continue
        if not isinstance(tracker.get(key), kind):
            return f"tracker.{key} is not a {kind.__name__}"
    for event in tracker["events"]:
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            return "tracker.events holds an item without its event name"
        if event["event"] == "slot" and not isinstance(event.get("name"), str):
            return "tracker.events holds a slot event without a slot name"
    latest = tracker["latest_message"]
    if latest.get("intent") is not None and not isinstance(latest["intent"], dict):
        return "tracker.latest_message.intent is not an object"
    entities = latest.get("entities")
    if entities is not None and (not isinstance(entities, list)
                                 or not all(isinstance(e, dict) for e in entities)):
        return "tracker.latest_message.entities is not a list of objects"
    loop = tracker.get("active_loop") or {}
    if loop.get("name") is not None and not isinstance(loop["name"], str):
        return "tracker.active_loop.name is not a string"
    for name, value in tracker["slots"].items():
        check = _KINDS.get(slot_types.get(name, "any"))
        if value is not None and check is not None and not check(value):
            return f"slot {name} is not a {slot_types[name]} value"
    return None


def problem(call: Any, slot_types: Mapping[str, str]) -> Optional[str]:
    """What makes `call` (a decoded body) no action call Rasa could send, or None."""
    if not isinstance(call, dict):
        return "the body is not a JSON object"
    if not isinstance(call.get("next_action"), str) or not call["next_action"]:
        return "next_action is not a string"
    if "version" in call and not isinstance(call["version"], str):
        return "version is not a string"
    if not isinstance(call.get("domain", {}), dict):
        return "domain is not an object"
    return _tracker_problem(call.get("tracker"), slot_types)
