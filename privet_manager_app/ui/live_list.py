"""The one look per interval behind every open client list of this process.

Each open list runs a background event that waits on this feed; the feed looks at the database
once per `POLL_SECONDS` (`domain/clients/live.py`: one statement on two indexes) for all of
them, and only while at least one list is open — the cost is per replica, not per list, and
stops with the last page closed. When the look finds changes it also counts the shared tabs
once, for every list.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging

import reflex as rx

from privet_manager_app.domain.clients import live
from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.ui import routes
from privet_manager_app.ui.state import run_domain

POLL_SECONDS = 1.0
_QUEUE_SIZE = 8  # updates a slow list may fall behind by; past that it just reloads

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Update:
    changes: live.Changes
    shared_counts: dict[str, int]


class Subscription:
    def __init__(self) -> None:
        self._queue: asyncio.Queue[Update] = asyncio.Queue(_QUEUE_SIZE)
        self.fell_behind = False

    def _offer(self, update: Update) -> None:
        try:
            self._queue.put_nowait(update)
        except asyncio.QueueFull:
            self.fell_behind = True

    async def next(self, wait_seconds: float) -> Update | None:
        """The next update, or None when none came within `wait_seconds`."""
        try:
            async with asyncio.timeout(wait_seconds):
                update = await self._queue.get()
        except TimeoutError:
            return None
        if self.fell_behind:
            self.fell_behind = False
            return dataclasses.replace(update, changes=live.Changes(everything=True))
        return update


class Feed:
    """Polls while anyone listens; a process has one (`FEED`), bound to its event loop."""

    def __init__(self, interval: float = POLL_SECONDS) -> None:
        self.interval = interval
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.looks = 0  # how many times it read the database (tests count them)

    @contextlib.asynccontextmanager
    async def subscribe(self):
        subscription = Subscription()
        self._subscribers.add(subscription)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._task = loop.create_task(self._run(), name="client-list-feed")
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    @property
    def listening(self) -> int:
        return len(self._subscribers)

    async def _run(self) -> None:
        watermark: live.Watermark | None = None
        while self._subscribers:
            try:
                watermark, changes = await run_domain(live.look, watermark)
                self.looks += 1
                if changes.new_users:
                    # Their rows appear as changes at the next look.
                    await run_domain(live.pick_up_new_users)
                if changes:
                    counts = await run_domain(live.shared_counts)
                    for subscription in list(self._subscribers):
                        subscription._offer(Update(changes, counts))
            except DomainError as error:  # the database is down: lists keep what they show
                log.warning("client list feed: %s", error.code)
            except Exception:  # a service loop: one bad look must not stop every open list
                log.exception("client list feed")
            await asyncio.sleep(self.interval)


FEED = Feed()


async def tab_connected(token: str) -> bool:
    """Whether the browser tab behind `token` still has a socket (on any replica, with Redis)."""
    from reflex_base.registry import RegistrationContext

    namespace = RegistrationContext.get().app.event_namespace
    if namespace is None:
        return False
    return await namespace._token_manager.is_token_connected(token)


# Rows that changed get one of these classes (assets/live_list.css): a brief highlight. The two
# alternate from one update to the next, so a row that changes twice flashes twice.
HIGHLIGHTS = ("live-changed-a", "live-changed-b")
# How often a waiting list checks that it is still the page on screen when nothing changes.
STILL_OPEN_SECONDS = 5.0


class LiveListMixin(rx.State, mixin=True):
    """What a list page adds to update itself. The page has `tab`, `query`, `rows` (dicts with
    `id`, `version`, `highlight`) and `_first_rows(actor, tab, query, count)` → (rows, cursor),
    starts `watch` when it opens and `stop_watching` when it unmounts."""

    tab_counts: dict[str, int] = {}
    watch_round: int = 0
    _highlight_turn: int = 0

    async def _count_tabs(self, actor, shared: dict[str, int] | None = None) -> None:
        shared = shared if shared is not None else await run_domain(live.shared_counts)
        self.tab_counts = {**shared, "mine": await run_domain(live.mine_count, actor.id)}

    def _replace_rows(self, rows: list[dict], cursor: str) -> None:
        before = {row["id"]: row["version"] for row in self.rows}
        self._highlight_turn = 1 - self._highlight_turn
        mark = HIGHLIGHTS[self._highlight_turn]
        self.rows = [
            {**row, "highlight": mark if before.get(row["id"]) != row["version"] else ""}
            for row in rows
        ]
        self.next_cursor = cursor

    def _on_list_page(self) -> bool:
        return self.router.url.path.rstrip("/") == routes.CLIENTS

    @rx.event
    def stop_watching(self):
        self.watch_round += 1

    @rx.event(background=True)
    async def watch(self):
        async with self:
            self.watch_round += 1  # an older loop of this tab sees it and ends
            round_ = self.watch_round
            token = self.router.session.client_token
        async with FEED.subscribe() as updates:
            while await tab_connected(token):
                update = await updates.next(STILL_OPEN_SECONDS)
                async with self:
                    # Unmounting ends the loop on a link; a full navigation of the same tab to
                    # another page does not unmount, but the router shows it.
                    if self.watch_round != round_ or not self._on_list_page():
                        return
                    if update is None:
                        continue
                    actor = await self.actor()
                    if actor is None:
                        return
                    tab, query, count = self.tab, self.query, len(self.rows)
                    shown = {row["id"] for row in self.rows}
                # The reads run outside the state's lock: the page stays responsive.
                try:
                    mine = await run_domain(live.mine_count, actor.id)
                    fresh = None
                    if live.affects(update.changes, tab=tab, viewer_id=actor.id, shown=shown):
                        fresh = await self._first_rows(actor, tab, query, count)
                except DomainError:  # the database is down: the list keeps what it shows
                    continue
                async with self:
                    if self.watch_round != round_:
                        return
                    self.tab_counts = {**update.shared_counts, "mine": mine}
                    if fresh is not None and (self.tab, self.query) == (tab, query):
                        self._replace_rows(*fresh)
