"""Named load shapes for TicketPulse: steady, ramp, spike, soak.

Every shape is a `LoadTestShape` whose stages scale with the requested duration, so the same
shape runs as a 15-second CI smoke test or as a one-hour soak. The locustfile exposes exactly one
shape class (`SelectedShape`) that delegates to the one chosen by name: Locust 2.12 silently picks
the first shape class it finds in the locustfile's namespace, and newer versions refuse several.
"""

from __future__ import annotations

import json
import re
import time

from locust import LoadTestShape

SHAPE_NAMES = ("steady", "ramp", "spike", "soak")

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """'90', '90s', '2m', '1h30m' -> seconds."""
    text = str(text).strip()
    if text.isdigit():
        return int(text)
    match = _DURATION.match(text)
    if not text or not match:
        raise ValueError(f"bad duration {text!r} (use e.g. 90s, 2m, 1h30m)")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


class StagedShape(LoadTestShape):
    """A shape made of (end_second, users, spawn_rate) stages; stops after the last stage."""

    def __init__(self, duration_s: int, peak_users: int):
        super().__init__()
        self.duration_s = max(1, duration_s)
        self.peak_users = max(1, peak_users)
        self.stages = self.build_stages()

    def build_stages(self) -> list[tuple[float, int, float]]:
        raise NotImplementedError

    def users_at(self, run_time: float) -> tuple[int, float] | None:
        for end, users, rate in self.stages:
            if run_time < end:
                return users, rate
        return None

    def tick(self):
        return self.users_at(self.get_run_time())


class SteadyShape(StagedShape):
    """Warm up, then hold the peak: the 'normal busy day' baseline."""

    def build_stages(self):
        warmup = min(30.0, self.duration_s * 0.1)
        return [(self.duration_s, self.peak_users, self.peak_users / max(warmup, 1.0))]


class SoakShape(StagedShape):
    """Slow ramp, then hold the peak for a long time: finds leaks and slow degradation."""

    def build_stages(self):
        warmup = min(120.0, self.duration_s * 0.1)
        return [(self.duration_s, self.peak_users, self.peak_users / max(warmup, 1.0))]


class SpikeShape(StagedShape):
    """An on-sale rush: a quiet queue, then everyone arrives at once for one hot concert.

    The locustfile sends most buyers to the hot concert, whose capacity is limited, so it sells out
    during the rush and the rest of the spike exercises the sold-out path.
    """

    def build_stages(self):
        d = self.duration_s
        quiet = max(1, self.peak_users // 10)
        rush_rate = max(self.peak_users / max(d * 0.05, 1.0), 1.0)
        return [
            (d * 0.2, quiet, float(quiet)),  # the waiting room before the sale opens
            (d * 0.7, self.peak_users, rush_rate),  # doors open
            (d, quiet, rush_rate),  # sold out, the crowd leaves
        ]


PURCHASE = ("/api/concerts/:id/orders", "POST")


class RampShape(StagedShape):
    """Stairs up to the peak, each held long enough to measure, until the knee is passed.

    At the end of every stair the shape judges it — THE stop criterion, which the report reads back
    rather than recomputing (one judgement, so the log and the report cannot disagree): p99 of all
    requests over the stair's settled end (Locust's "current" percentile, the last 10 s) against the
    p99 objective, and the share of the stair's purchase attempts that failed against the error
    objective (tools/load/objectives.json: the SLOs). Each judgement is appended to `stairs_file` (JSON).
    When `stop_at_knee` is set and a stair broke an objective, one more stair would only measure
    the collapse, so it stops there.
    """

    STAIRS = 6

    def __init__(self, duration_s, peak_users, p99_objective_ms=250.0, error_objective=0.03, stop_at_knee=True, stairs_file=None):
        self.p99_objective_ms = p99_objective_ms
        self.error_objective = error_objective
        self.stop_at_knee = stop_at_knee
        self.stairs_file = stairs_file
        self._stair_index = -1
        self._stair_start = (0.0, 0, 0)
        self.judged: list[dict] = []
        self.stopped_at_knee_after: int | None = None
        super().__init__(duration_s, peak_users)

    def build_stages(self):
        stair_s = self.duration_s / self.STAIRS
        stages = []
        for i in range(self.STAIRS):
            users = max(1, round(self.peak_users * (i + 1) / self.STAIRS))
            step = max(1, users - (stages[-1][1] if stages else 0))
            stages.append((stair_s * (i + 1), users, max(step / max(stair_s * 0.2, 1.0), 1.0)))
        return stages

    def _stair_of(self, run_time: float) -> int:
        for index, (end, _users, _rate) in enumerate(self.stages):
            if run_time < end:
                return index
        return len(self.stages)

    def _counts(self) -> tuple[int, int]:
        """(purchase attempts, purchase failures) so far, from the runner's live stats."""
        entry = self.runner.stats.get(*PURCHASE)
        return entry.num_requests, entry.num_failures

    def _judge(self, index: int) -> dict:
        started_at, attempts_before, failures_before = self._stair_start
        attempts, failures = self._counts()
        stair_attempts = attempts - attempts_before
        stair_failures = failures - failures_before
        error_ratio = stair_failures / stair_attempts if stair_attempts else 0.0
        p99 = self.runner.stats.total.get_current_response_time_percentile(0.99) or 0
        verdict = {
            "stair": index + 1,
            "users": self.stages[index][1],
            "startS": started_at,
            "endS": time.time(),
            "purchaseAttempts": stair_attempts,
            "purchaseFailures": stair_failures,
            "errorRatio": error_ratio,
            "p99Ms": p99,
            "withinObjectives": p99 <= self.p99_objective_ms and error_ratio <= self.error_objective,
            "objectives": {"p99Ms": self.p99_objective_ms, "errorRatio": self.error_objective},
        }
        self.judged.append(verdict)
        if self.stairs_file:
            with open(self.stairs_file, "w", encoding="utf-8") as out:
                json.dump({"stairs": self.judged, "stoppedAfterStair": None}, out, indent=2)
        return verdict

    def _record_stop(self, index: int) -> None:
        self.stopped_at_knee_after = index
        if self.stairs_file:
            with open(self.stairs_file, "w", encoding="utf-8") as out:
                json.dump({"stairs": self.judged, "stoppedAfterStair": index + 1}, out, indent=2)

    def tick(self):
        if self.stopped_at_knee_after is not None:
            return None
        run_time = self.get_run_time()
        stair = self._stair_of(run_time)
        if stair != self._stair_index and self.runner is not None:
            if self._stair_index >= 0:
                verdict = self._judge(self._stair_index)
                if self.stop_at_knee and not verdict["withinObjectives"]:
                    self._record_stop(self._stair_index)
                    return None
            self._stair_index = stair
            attempts, failures = self._counts()
            self._stair_start = (time.time(), attempts, failures)
        return self.users_at(run_time)


def create_shape(name: str, duration_s: int, peak_users: int, **ramp_options) -> StagedShape:
    if name == "steady":
        return SteadyShape(duration_s, peak_users)
    if name == "soak":
        return SoakShape(duration_s, peak_users)
    if name == "spike":
        return SpikeShape(duration_s, peak_users)
    if name == "ramp":
        return RampShape(duration_s, peak_users, **ramp_options)
    raise ValueError(f"unknown shape {name!r} (one of {', '.join(SHAPE_NAMES)})")
