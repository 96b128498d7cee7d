"""An adaptive rate limiter shared by every worker: pacing per platform and per conversation.

Each key is paced with GCRA (the "theoretical arrival time" form of a leaky bucket): a call
reserves the next free slot and learns how long to wait for it, so concurrent senders line
up at exactly the allowed rate without bursts. When the platform answers 429 the key's rate
drops by a quarter and every sender waits out Retry-After; the rate then climbs back by 5% of
the maximum per second. With Redis the state lives in Redis (one Lua script, atomic), so all
workers on all machines share it; without, it lives in this process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

DECREASE = 0.75  # multiplicative decrease on 429
RECOVERY = 0.05  # of the maximum rate, per second without a 429
FLOOR = 0.05  # never below 5% of the maximum
STATE_TTL = 3600  # seconds an idle key's state is kept

# KEYS: the platform key, then optionally the conversation key.
# ARGV: op ("reserve" | "slow"), platform max rate, conversation rate, retry_after.
_SCRIPT = f"""
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local op = ARGV[1]
local max = tonumber(ARGV[2])
local function load(key, limit)
  local s = redis.call('HMGET', key, 'tat', 'rate', 'adjusted', 'cooldown')
  local tat = tonumber(s[1]) or now
  local rate = tonumber(s[2]) or limit
  local adjusted = tonumber(s[3]) or now
  local cooldown = tonumber(s[4]) or 0
  rate = math.min(limit, rate + limit * {RECOVERY} * math.max(0, now - adjusted))
  if tat < now then tat = now end
  return tat, rate, cooldown
end
local tat, rate, cooldown = load(KEYS[1], max)
if op == 'slow' then
  local pause = tonumber(ARGV[4])
  if now >= cooldown then
    rate = math.max(max * {FLOOR}, rate * {DECREASE})
    cooldown = now + pause + 1
  end
  tat = math.max(tat, now + pause)
  redis.call('HSET', KEYS[1], 'tat', tat, 'rate', rate, 'adjusted', now, 'cooldown', cooldown)
  redis.call('EXPIRE', KEYS[1], {STATE_TTL})
  return tostring(rate)
end
local wait = tat - now
redis.call('HSET', KEYS[1], 'tat', tat + 1 / rate, 'rate', rate, 'adjusted', now)
redis.call('EXPIRE', KEYS[1], {STATE_TTL})
if KEYS[2] then
  local per = tonumber(ARGV[3])
  local ctat = tonumber(redis.call('HGET', KEYS[2], 'tat')) or now
  if ctat < now + wait then ctat = now + wait end
  redis.call('HSET', KEYS[2], 'tat', ctat + 1 / per)
  redis.call('EXPIRE', KEYS[2], 60)
  wait = ctat - now
end
return tostring(wait)
"""


class Limiter(Protocol):
    """Reserve a slot before each platform call; report 429s."""

    async def reserve(self, key: str, rate: float, conversation: str = "", per: float = 1) -> float:
        """Seconds to wait before making the call (the slot is then taken)."""
        ...

    async def slow(self, key: str, rate: float, retry_after: float) -> float:
        """The platform answered 429: pause everyone and lower the rate; returns the new rate."""
        ...

    async def close(self) -> None: ...


@dataclass(slots=True)
class _State:
    tat: float
    rate: float
    adjusted: float
    cooldown: float = 0.0


class MemoryLimiter:
    """The same algorithm in one process (the embedded default)."""

    def __init__(self) -> None:
        self._keys: dict[str, _State] = {}
        self._conversations: dict[str, float] = {}

    def _load(self, key: str, limit: float, now: float) -> _State:
        state = self._keys.get(key) or _State(now, limit, now)
        state.rate = min(limit, state.rate + limit * RECOVERY * max(0.0, now - state.adjusted))
        state.tat = max(state.tat, now)
        state.adjusted = now
        self._keys[key] = state
        return state

    async def reserve(self, key: str, rate: float, conversation: str = "", per: float = 1) -> float:
        now = time.monotonic()
        state = self._load(key, rate, now)
        wait = state.tat - now
        state.tat += 1 / state.rate
        if conversation:
            if len(self._conversations) > 50_000:
                self._conversations = {k: v for k, v in self._conversations.items() if v > now}
            ctat = max(self._conversations.get(conversation, now), now + wait)
            self._conversations[conversation] = ctat + 1 / per
            wait = ctat - now
        return wait

    async def slow(self, key: str, rate: float, retry_after: float) -> float:
        now = time.monotonic()
        state = self._load(key, rate, now)
        if now >= state.cooldown:
            state.rate = max(rate * FLOOR, state.rate * DECREASE)
            state.cooldown = now + retry_after + 1
        state.tat = max(state.tat, now + retry_after)
        return state.rate

    async def close(self) -> None:
        return None


class RedisLimiter:
    """The algorithm in Redis: one state for every worker process and machine."""

    def __init__(self, url: str, prefix: str = "policybot:rate:") -> None:
        from redis.asyncio import Redis

        self.redis: Any = Redis.from_url(url)
        self.prefix = prefix
        self._script = self.redis.register_script(_SCRIPT)

    async def reserve(self, key: str, rate: float, conversation: str = "", per: float = 1) -> float:
        keys = [self.prefix + key] + ([self.prefix + "c:" + conversation] if conversation else [])
        return float(await self._script(keys=keys, args=["reserve", rate, per, 0]))

    async def slow(self, key: str, rate: float, retry_after: float) -> float:
        keys = [self.prefix + key]
        return float(await self._script(keys=keys, args=["slow", rate, 1, retry_after]))

    async def close(self) -> None:
        await self.redis.aclose()
