"""The internal routes that show and replace the Rasa server's model (the review inbox).

Rasa's own `PUT /model` needs its whole HTTP API open (SECURITY.md), so the
internal channel (channels/internal.py, behind NSSA_API_TOKEN) serves these:

    GET /webhooks/internal/model
      200  {"model": "<file name>"}; 503 no model loaded yet
    PUT /webhooks/internal/model   {"model_file": "<path of a .tar.gz in NSSA_MODEL_DIR>"}
      200  {"status": "ok", "model": "<file name>", "previous": "<file name>",
           "seconds": <load time>}
      400  not a JSON object with a string "model_file"
      403  the file is not in NSSA_MODEL_DIR (no other path is ever loaded)
      404  no such file
      422  Rasa cannot load it (the old model keeps answering)
      503  no agent yet

The new model is loaded in a worker thread while the old one keeps
answering; the swap itself (processor, domain, response texts) happens on
the event loop between two messages, with Rasa's agent, tracker store and
lock store kept, so no conversation is dropped or loses its state. A message
being answered during the swap finishes on the model it started with.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.json_limits import DEFAULT_LIMITS, JsonRefused

__all__ = ["current_model", "replace_model"]

logger = logging.getLogger(__name__)

_swapping = asyncio.Lock()


def _refused(status: int, reason: str) -> HTTPResponse:
    return response.json({"status": "refused", "reason": reason}, status=status)


def _agent(request: Request) -> Any:
    return getattr(getattr(request.app, "ctx", None), "agent", None)


def _model_name(agent: Any) -> Optional[str]:
    """The name of the model file loaded (a folder given, the file Rasa took from it)."""
    processor = agent.processor
    name = getattr(processor, "model_filename", None) if processor is not None else None
    return Path(name).name if name else None


async def current_model(request: Request) -> HTTPResponse:
    """The model this server answers with."""
    agent = _agent(request)
    if agent is None or not agent.is_ready():
        return _refused(503, "no model loaded yet")
    return response.json({"model": _model_name(agent)})


def _model_dir() -> Path:
    from bot.settings import load_settings

    return load_settings().model_dir.resolve()


def _processor(agent: Any, path: Path) -> Any:
    """A new MessageProcessor for `path` on the agent's stores (agent.load_model's first half)."""
    from rasa.core.processor import MessageProcessor

    return MessageProcessor(
        model_path=path, tracker_store=agent.tracker_store, lock_store=agent.lock_store,
        action_endpoint=agent.action_endpoint, generator=agent.nlg,
        http_interpreter=agent.http_interpreter,
    )


def _swap(agent: Any, processor: Any) -> None:
    """Point the agent at the new processor (agent.load_model's second half), no await inside."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator

    agent.processor = processor
    agent.domain = processor.domain
    agent.tracker_store.domain = processor.domain
    if isinstance(agent.nlg, TemplatedNaturalLanguageGenerator):
        agent.nlg.responses = processor.domain.responses if processor.domain else {}


async def replace_model(request: Request) -> HTTPResponse:
    """Load another model of NSSA_MODEL_DIR and answer with it from the next message on."""
    try:
        body = DEFAULT_LIMITS.loads(request.body or b"")
    except JsonRefused as exc:
        return _refused(exc.status, str(exc))
    name: Optional[Any] = body.get("model_file") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        return _refused(400, 'expected {"model_file": "<path in NSSA_MODEL_DIR>"}')
    agent = _agent(request)
    if agent is None or agent.tracker_store is None:
        return _refused(503, "no agent yet")
    folder = _model_dir()
    path = (folder / name).resolve()
    if path.parent != folder:
        return _refused(403, "only a model file in NSSA_MODEL_DIR is loaded")
    if not path.is_file():
        return _refused(404, f"no model {path.name}")
    async with _swapping:
        previous = _model_name(agent)
        started = time.monotonic()
        try:
            processor = await asyncio.get_running_loop().run_in_executor(
                None, _processor, agent, path)
        except Exception as exc:  # noqa: BLE001 - any loading error: the old model stays
            logger.exception("Model %s could not be loaded; %s stays", path.name, previous)
            return _refused(422, f"the model could not be loaded: {type(exc).__name__}")
        _swap(agent, processor)
    seconds = round(time.monotonic() - started, 2)
    logger.info("Model replaced: %s -> %s (%.1f s)", previous, path.name, seconds)
    return response.json({"status": "ok", "model": path.name, "previous": previous,
                          "seconds": seconds})
