"""Fault injection for the stand-in: queued failures, random failure rates, and Slack's posting
limits (per channel and a workspace token bucket), as a test switches them on."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from bot.devtools.slack_standin.state import Json
from bot.devtools.slack_standin.workspace import _Workspace


@dataclass
class _Fault:
    error: str
    status: int
    retry_after: int | None
    times: int = 1
    # Calls let through before this fault applies.
    after: int = 0


@dataclass
class _Rate:
    rate: float
    status: int
    error: str
    rng: random.Random


@dataclass(frozen=True)
class _Outage:
    methods: frozenset[str]
    starts: float
    half: float
    ends: float
    error: str


@dataclass
class _RateLimits:
    """Slack's posting limits: per channel (a DM is a channel) and a workspace token bucket."""

    per_channel: float | None
    workspace_rate: float | None
    workspace_burst: float
    methods: frozenset[str]
    tokens: float = 0.0
    refilled: float = 0.0
    last_post: dict[str, float] = field(default_factory=dict)


class _Faults(_Workspace):
    """What a test asks the stand-in to refuse, and the checks the HTTP front makes before answering."""

    def __init__(self, **identity: str) -> None:
        super().__init__(**identity)
        self._faults: dict[str, list[_Fault]] = {}
        self._rates: dict[str | None, _Rate] = {}
        self._limits: _RateLimits | None = None
        self._outage: _Outage | None = None

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with ``{"ok": false, "error": error}``,
        once ``after`` calls have gone through as usual (``after=1``: the second call fails).

        The HTTP status is ``status``; a 429 also carries ``Retry-After: retry_after``.
        Queued faults for the same method are used in order.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if after < 0:
            raise ValueError("after must be >= 0")
        with self._lock:
            self._faults.setdefault(method, []).append(_Fault(error, status, retry_after, times, after))

    def failure_rate(
        self,
        method: str | None,
        rate: float,
        *,
        status: int = 500,
        error: str = "internal_error",
        seed: int | None = None,
    ) -> None:
        """Fail a random ``rate`` (0..1) of calls to ``method`` (None: every method).

        ``seed`` makes the sequence reproducible; ``rate=0`` switches it off.
        A method-specific rate takes precedence over the catch-all one.
        """
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            if rate == 0:
                self._rates.pop(method, None)
            else:
                self._rates[method] = _Rate(rate, status, error, random.Random(seed))

    def outage(self, methods: tuple[str, ...], seconds: float, *, error: str = "internal_error") -> None:
        """Slack failing for `seconds` from now: calls to `methods` answer HTTP 500 for the first half,
        then HTTP 200 with ``{"ok": false, "error": error}`` for the rest, as an incident does."""
        with self._lock:
            start = time.monotonic()
            self._outage = _Outage(frozenset(methods), start, start + seconds / 2, start + seconds, error)

    def outage_over(self) -> bool:
        with self._lock:
            return self._outage is None or time.monotonic() >= self._outage.ends

    def rate_limits(
        self,
        *,
        per_channel: float | None = 1.0,
        workspace_rate: float | None = None,
        workspace_burst: float | None = None,
        methods: tuple[str, ...] = ("chat.postMessage",),
    ) -> None:
        """Enforce Slack's posting limits on ``methods`` (off by default).

        ``per_channel``: messages per second to one channel (a DM, a thread reply: its channel);
        Slack's rule is about 1. ``workspace_rate`` / ``workspace_burst``: a workspace-wide token
        bucket, ``workspace_burst`` calls at once (default: one second's worth) refilled at
        ``workspace_rate`` per second. A call over either limit gets HTTP 429, ``ratelimited`` and
        ``Retry-After`` in whole seconds (at least 1), as from Slack, and counts towards neither.
        None switches a limit off; :meth:`clear_rate_limits` switches both off.
        """
        for name, value in (("per_channel", per_channel), ("workspace_rate", workspace_rate)):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive (None switches it off)")
        burst = float(workspace_burst if workspace_burst is not None else max(1.0, workspace_rate or 1.0))
        if burst < 1:
            raise ValueError("workspace_burst must be at least 1")
        with self._lock:
            self._limits = _RateLimits(
                per_channel, workspace_rate, burst, frozenset(methods), tokens=burst, refilled=time.monotonic()
            )

    def clear_rate_limits(self) -> None:
        """Stop enforcing posting limits."""
        with self._lock:
            self._limits = None

    def clear_faults(self) -> None:
        """Drop every queued fault and failure rate."""
        with self._lock:
            self._faults.clear()
            self._rates.clear()
            self._outage = None

    def _limited_channel(self, args: Json) -> str | None:
        conv = self._resolve_channel(args.get("channel"))
        return conv.id if conv is not None else None

    @staticmethod
    def _over_limit(limits: _RateLimits, channel: str | None) -> float | None:
        """Seconds until this call would be allowed, or None (and a token is spent) when it is."""
        now = time.monotonic()
        waits: list[float] = []
        if limits.per_channel is not None and channel is not None and channel in limits.last_post:
            free_at = limits.last_post[channel] + 1.0 / limits.per_channel
            if now < free_at:
                waits.append(free_at - now)
        if limits.workspace_rate is not None:
            limits.tokens = min(limits.workspace_burst, limits.tokens + (now - limits.refilled) * limits.workspace_rate)
            limits.refilled = now
            if limits.tokens < 1:
                waits.append((1 - limits.tokens) / limits.workspace_rate)
        if waits:
            return max(waits)
        if limits.workspace_rate is not None:
            limits.tokens -= 1
        return None

    def _take_fault(self, method: str) -> _Fault | None:
        outage, now = self._outage, time.monotonic()
        if outage is not None and method in outage.methods and outage.starts <= now < outage.ends:
            return _Fault(outage.error, 500 if now < outage.half else 200, None)
        queue = self._faults.get(method)
        if queue:
            fault = queue[0]
            if fault.after > 0:
                fault.after -= 1
                return None
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault
        rate = self._rates.get(method) or self._rates.get(None)
        if rate is not None and rate.rng.random() < rate.rate:
            return _Fault(rate.error, rate.status, 1)
        return None
