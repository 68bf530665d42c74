"""Whether Redis answers, as this process last found it: one warning when it stops answering and
one line when it is back, however many messages meanwhile hit it. Holds no data and never logs
keys or values.

While Redis is down a gateway replica keeps its rate limits in its own memory and pushes live
events only to the sockets it holds itself (a worker's message for a widget on another replica
waits in the database until that widget resumes); nothing needs restarting when Redis is back.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class RedisOutage:
    def __init__(self) -> None:
        self.down = False

    def failed(self, part: str, error: BaseException) -> None:
        if not self.down:
            self.down = True
            log.warning("redis_unavailable part=%s error=%s; until it is back this replica limits in its "
                        "own memory and pushes live events to its own sockets only", part, type(error).__name__)

    def answered(self) -> None:
        if self.down:
            self.down = False
            log.warning("redis_available_again; limits and live events are shared by the replicas again")
