"""Migration 33 adds the reply-thread cursors of followed posts to a database whose watch list was made
before it: the posts followed keep their cursors, and a thread's cursor can be kept."""

from __future__ import annotations

import pytest

from engine.store import watch
from engine.store.db import database
from engine.store.migrations import m0033_watch_threads

pytestmark = pytest.mark.both_databases


def test_a_watch_list_made_before_gets_thread_cursors_and_keeps_its_post_cursors(runtime):
    wall, _ = watch.add("vk", -218_000_001, screen_name="barnaul22", title=None, municipality=None,
                        every_seconds=300, actor="cli", now=runtime.now())
    post = watch.follow_post(wall.id, 7, runtime.now())
    watch.set_post_cursor(post.id, last_comment_id=12, comment_count=4)
    database.execute_sql("DROP TABLE watch_thread_record")
    assert "watch_thread_record" not in database.get_tables()

    m0033_watch_threads.apply(database)
    m0033_watch_threads.apply(database)  # twice changes nothing

    watch.set_thread(post.id, 9, last_reply_id=15, reply_count=3)
    watch.set_thread(post.id, 9, last_reply_id=18, reply_count=4)
    assert watch.threads_of([post.id]) == {post.id: {9: (18, 4)}}
    assert watch.followed_posts(wall.id, runtime.now().replace(year=2000))[7].last_comment_id == 12
