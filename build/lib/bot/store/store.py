"""Store: the project's repositories on one engine per process and database.

Every part of a process (the channels, the actions, the worker) takes its
repositories from `Store.for_url(url)`, so a process has one engine and one
connection pool per database instead of one per repository. `unit_of_work()`
runs several repositories' calls in one transaction (bot/store/_sql.py):

    with store.unit_of_work():
        conversation = store.codes.redeem(code, channel="sms")
        if conversation:
            store.identities.join("sms", number, conversation)

Repositories are made on first use, so importing this module stays light.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, ContextManager, Dict

from sqlalchemy.orm import Session, sessionmaker

from bot.store._sql import unit_of_work
from bot.store.db import create_engine_for

if TYPE_CHECKING:
    from bot.store.channels import (
        ButtonPayloads,
        ChannelIdentities,
        ChannelOptOuts,
        ContinuityCodes,
        MessageDeliveries,
    )
    from bot.store.deletions import ConversationDeletions
    from bot.store.forwarded import ForwardedApplications
    from bot.store.handovers import Handovers
    from bot.store.outbox import Outbox
    from bot.store.persons import Persons
    from bot.store.webhooks import ProcessedWebhooks

__all__ = ["Store"]


class Store:
    """The repositories of one database on one engine; `for_url` shares one per process."""

    _instances: Dict[str, "Store"] = {}
    _instances_lock = threading.Lock()

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.engine = create_engine_for(database_url)
        self._sessions = sessionmaker(bind=self.engine, future=True)

    @classmethod
    def for_url(cls, database_url: str) -> "Store":
        """The process's store for `database_url`, made on first use."""
        with cls._instances_lock:
            store = cls._instances.get(database_url)
            if store is None:
                store = cls._instances[database_url] = cls(database_url)
            return store

    def unit_of_work(self) -> ContextManager[Session]:
        """One transaction for every repository call inside the block."""
        return unit_of_work(self._sessions, "unit of work")

    @cached_property
    def identities(self) -> "ChannelIdentities":
        """Addresses on a channel and their conversations."""
        from bot.store.channels import ChannelIdentities

        return ChannelIdentities(self.engine)

    @cached_property
    def opt_outs(self) -> "ChannelOptOuts":
        """Addresses that said STOP."""
        from bot.store.channels import ChannelOptOuts

        return ChannelOptOuts(self.engine)

    @cached_property
    def buttons(self) -> "ButtonPayloads":
        """Short ids of offered button payloads."""
        from bot.store.channels import ButtonPayloads

        return ButtonPayloads(self.engine)

    @cached_property
    def deliveries(self) -> "MessageDeliveries":
        """Delivery status of sent messages."""
        from bot.store.channels import MessageDeliveries

        return MessageDeliveries(self.engine)

    @cached_property
    def webhooks(self) -> "ProcessedWebhooks":
        """Webhook and event ids already processed."""
        from bot.store.webhooks import ProcessedWebhooks

        return ProcessedWebhooks(self.engine)

    @cached_property
    def codes(self) -> "ContinuityCodes":
        """The one-time codes of "continue on my phone"."""
        from bot.store.channels import ContinuityCodes

        return ContinuityCodes(self.engine)

    @cached_property
    def outbox(self) -> "Outbox":
        """Requests kept until the back end has them."""
        from bot.store.outbox import Outbox

        return Outbox(self.engine)

    @cached_property
    def persons(self) -> "Persons":
        """Verified persons and their last conversation (proactive notices)."""
        from bot.store.persons import Persons

        return Persons(self.engine)

    @cached_property
    def deletions(self) -> "ConversationDeletions":
        """"Delete my conversation" requests."""
        from bot.store.deletions import ConversationDeletions

        return ConversationDeletions(self.engine)

    @cached_property
    def forwarded(self) -> "ForwardedApplications":
        """Housing Office applications forwarded per person."""
        from bot.store.forwarded import ForwardedApplications

        return ForwardedApplications(self.engine)

    @cached_property
    def handovers(self) -> "Handovers":
        """The live advisors' queue and presence (bot/store/handovers.py)."""
        from bot.store.handovers import Handovers

        return Handovers(self.engine)
