"""Wiring: settings and back-end clients for the actions, built on first use.

Nothing here runs at import time (the action server imports every module of
the package). Tests hand in their own factories with `use_factories`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Optional

from bot.settings import Settings, load_settings
from clients.cms import CmsClient
from clients.housing import HousingClient
from clients.http import RetryPolicy

if TYPE_CHECKING:
    from bot.store.channels import ContinuityCodes
    from bot.store.forwarded import ForwardedApplications
    from bot.store.handovers import Handovers
    from bot.store.outbox import Outbox
    from bot.store.store import Store

__all__ = [
    "settings", "cms_client", "housing_client", "store", "outbox", "continuity_codes",
    "forwarded_applications", "handovers", "use_factories",
]

# A citizen waits for the answer: bound each call, retries included.
_CMS_RETRY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=4.0, total_timeout=20.0)
_HOUSING_RETRY = RetryPolicy(max_attempts=2, base_delay=1.0, max_delay=4.0, total_timeout=25.0)

_cms_factory: Optional[Callable[[], CmsClient]] = None
_housing_factory: Optional[Callable[[], HousingClient]] = None


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings of this process, read once."""
    return load_settings()


def cms_client() -> CmsClient:
    """A CMS client, to use in an `async with` block."""
    if _cms_factory is not None:
        return _cms_factory()
    current = settings()
    return CmsClient(current.cms_url, current.cms_token, retry=_CMS_RETRY)


def housing_client() -> HousingClient:
    """A Housing Office client, to use in an `async with` block."""
    if _housing_factory is not None:
        return _housing_factory()
    current = settings()
    return HousingClient(current.housing_url, current.housing_api_key, retry=_HOUSING_RETRY)


def store() -> "Store":
    """The process's store (bot/store/store.py): every repository on one engine."""
    from bot.store.store import Store

    return Store.for_url(settings().database_url)


def outbox() -> "Outbox":
    """The outbox in the conversation store's database (schema set up at start)."""
    return store().outbox


def continuity_codes() -> "ContinuityCodes":
    """The one-time codes of "continue on my phone", in the conversation store's database."""
    return store().codes


def forwarded_applications() -> "ForwardedApplications":
    """The Housing Office applications forwarded per person, in the store's database."""
    return store().forwarded


def handovers() -> "Handovers":
    """The live advisors' queue, in the conversation store's database."""
    return store().handovers


def use_factories(
    cms: Optional[Callable[[], CmsClient]] = None,
    housing: Optional[Callable[[], HousingClient]] = None,
) -> None:
    """Replace the client factories (tests); None restores the defaults."""
    global _cms_factory, _housing_factory
    _cms_factory, _housing_factory = cms, housing
