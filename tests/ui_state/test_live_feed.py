"""The feed behind open client lists: one look per interval for all lists of a replica, and
none once the last list is closed."""

from __future__ import annotations

import asyncio

from privet_manager_app.domain.clients import claims
from privet_manager_app.ui.live_list import Feed
from tests.support.factories import new_client


def test_три_открытых_списка_стоят_базе_одного_взгляда_за_интервал_и_все_узнают_о_взятии(
    manager,
):
    client = new_client()

    async def scenario():
        feed = Feed(interval=0.1)
        async with feed.subscribe() as a, feed.subscribe() as b, feed.subscribe() as c:
            await asyncio.sleep(0.35)  # the first look sets the watermark
            await asyncio.to_thread(claims.claim_client, manager, client.id)
            updates = await asyncio.gather(a.next(3), b.next(3), c.next(3))
            looks = feed.looks
        await asyncio.sleep(0.3)  # the loop notices nobody listens and ends
        return feed, updates, looks

    feed, updates, looks = asyncio.run(scenario())
    for update in updates:
        assert [change.client_id for change in update.changes.clients] == [client.id]
        assert update.shared_counts == {"new": 0, "in_work": 1, "processed": 0}
    # ≈ 0.35 s + the claim at 0.1 s per look: a handful, not three times as many.
    assert 2 <= looks <= 12
    stopped_at = feed.looks
    assert feed.listening == 0
    assert feed._task.done()
    assert feed.looks == stopped_at


def test_отставший_список_просто_перезагружается_целиком(manager):
    clients = [new_client(phone=f"8 916 000-00-{index:02d}") for index in range(12)]

    async def scenario():
        feed = Feed(interval=0.05)
        async with feed.subscribe() as slow:
            await asyncio.sleep(0.2)
            for client in clients:  # more updates than a list's queue holds, none read
                await asyncio.to_thread(claims.claim_client, manager, client.id)
                await asyncio.sleep(0.12)
            return await slow.next(1)

    update = asyncio.run(scenario())
    assert update.changes.everything
