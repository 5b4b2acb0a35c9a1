"""TicketPulse load test: browsers, buyers and organisers against the ticket API.

    locust -f tools/load/locustfile.py --host http://127.0.0.1:8080 -u 50 -r 10 -t 1m     # plain Locust: users, rate, time (or the web UI)
    locust -f tools/load/locustfile.py --host http://127.0.0.1:8080 --shape spike --shape-duration 2m --peak-users 200

A named shape (steady, ramp, spike, soak) drives the users only when asked for with --shape (or
LOCUST_SHAPE): without it Locust's own -u/-r/-t and its web UI work as everywhere else. Locust
applies any LoadTestShape class it finds in the locustfile and then refuses -t, so the shape class
is only defined when a shape was requested.

Outcomes follow the API contract (docs/api.md in the repository): a 409 sold-out is the business
working as intended, so it counts as a success; a 502 payment-failed and any other 5xx are failures;
anything the contract does not allow is a failure named "off-contract: ...". Failure names are kept
bounded (no ids in them) so Locust's failure table groups them by kind.

The test data (concerts, and the hot concert of the spike) is created by the locustfile itself when
the test starts, on every process that runs users (standalone or each worker; never the master).
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import gevent
import gevent.event
import gevent.pool
import locust.runners
from locust import FastHttpUser, LoadTestShape, between, events, task
from locust.runners import MasterRunner

import shapes

log = logging.getLogger("ticketpulse")

# Debian's python3-locust (2.12.1) is packaged with an empty __version__: its own master takes a
# worker announcing "" for a pre-2.0 one and refuses it, so distributed runs never start. -1 is the
# value the master accepts without comparing versions. Real version strings are left alone.
if not locust.runners.__version__:
    locust.runners.__version__ = -1

# The objectives the ramp judges its stairs against: the SLOs, shared with the report (tools/report/objectives.ts).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "objectives.json"), encoding="utf-8") as _file:
    OBJECTIVES = json.load(_file)


def shape_requested(argv: list[str], environ) -> bool:
    """Whether --shape (or LOCUST_SHAPE) was given: decided before Locust parses its options,
    because Locust picks up a shape class as soon as the locustfile defines one."""
    return bool(environ.get("LOCUST_SHAPE")) or any(arg == "--shape" or arg.startswith("--shape=") for arg in argv)


# Filled in at test start; shared by every user of this process.
concert_ids: list[str] = []
hot_concert_id: str | None = None


@events.init_command_line_parser.add_listener
def add_arguments(parser):
    parser.add_argument(
        "--shape",
        choices=shapes.SHAPE_NAMES,
        default=None,
        env_var="LOCUST_SHAPE",
        help="Named load shape (default: none, Locust's own -u/-r/-t or web UI)",
    )
    parser.add_argument(
        "--shape-duration", default="2m", env_var="LOCUST_SHAPE_DURATION", help="Duration of the shape, e.g. 90s, 2m"
    )
    parser.add_argument("--peak-users", type=int, default=100, env_var="LOCUST_PEAK_USERS", help="Peak concurrent users")
    parser.add_argument(
        "--hot-capacity", type=int, default=1000, env_var="LOCUST_HOT_CAPACITY", help="Tickets of the spike's hot concert"
    )
    parser.add_argument(
        "--seed-concerts", type=int, default=20, env_var="LOCUST_SEED_CONCERTS", help="Concerts created at test start"
    )
    parser.add_argument(
        "--p99-objective-ms",
        type=float,
        default=float(OBJECTIVES["p99Ms"]),
        env_var="LOCUST_P99_OBJECTIVE_MS",
        help="Ramp stops past it (default from tools/load/objectives.json)",
    )
    parser.add_argument(
        "--error-objective",
        type=float,
        default=float(OBJECTIVES["purchaseErrorRatio"]),
        env_var="LOCUST_ERROR_OBJECTIVE",
        help="Share of purchase attempts that may fail; ramp stops past it (default from tools/load/objectives.json)",
    )
    parser.add_argument(
        "--ramp-stairs-file",
        default="",
        env_var="LOCUST_RAMP_STAIRS_FILE",
        help="Where the ramp writes its judgement of each stair (JSON), for the report",
    )
    parser.add_argument(
        "--ramp-stop-at-knee",
        default="true",
        choices=("true", "false"),
        env_var="LOCUST_RAMP_STOP_AT_KNEE",
        help="Stop the ramp after the first stair that breaks an objective",
    )


# --- test data -------------------------------------------------------------------------------


def _post_json(host: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        host.rstrip("/") + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _concert_body(name: str, capacity: int) -> dict:
    starts = datetime.now(timezone.utc) + timedelta(days=random.randint(7, 180))
    return {
        "name": name,
        "venue": random.choice(["Olympia", "Paradiso", "Royal Albert Hall", "Fillmore", "Berghain"]),
        "startsAt": starts.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "capacity": capacity,
        "priceCents": random.choice([2500, 4500, 7900, 12000]),
    }


# Set once the test data exists. Seeding runs in its own greenlet: Locust 2.12 fires test_start
# inside the spawning greenlet, which the shape's next tick kills, so a slow API would otherwise
# interrupt the seeding. The shape holds at 0 users and users wait until this is set.
data_ready = gevent.event.Event()
seeding: gevent.Greenlet | None = None
SEED_PARALLELISM = 5


def _seed(environment, options) -> None:
    global hot_concert_id
    run = uuid.uuid4().hex[:6]
    try:
        if not environment.host:
            raise ValueError("no host: pass --host http://127.0.0.1:8080")
        bodies = [_concert_body(f"Load test {run} #{i}", 1_000_000) for i in range(max(1, options.seed_concerts))]
        # Errors are returned, not raised, inside the pool: gevent prints a traceback for every greenlet that raises.
        def create(body):
            try:
                return _post_json(environment.host, "/api/concerts", body)
            except (urllib.error.URLError, OSError, ValueError) as error:
                return error

        created = gevent.pool.Pool(SEED_PARALLELISM).map(create, bodies)
        failed = next((result for result in created if isinstance(result, Exception)), None)
        if failed:
            raise failed
        concert_ids[:] = [concert["id"] for concert in created]
        if options.shape == "spike":
            hot = _post_json(environment.host, "/api/concerts", _concert_body(f"Hot on-sale {run}", options.hot_capacity))
            hot_concert_id = hot["id"]
    except (urllib.error.URLError, OSError, KeyError, ValueError) as error:
        log.error("cannot create test data at %s: %s", environment.host, error)
        environment.process_exit_code = 2
        environment.runner.quit()
        return
    log.info("created %d concerts", len(concert_ids))
    if hot_concert_id:
        log.info("hot concert %s on sale: %d tickets", hot_concert_id, options.hot_capacity)
    data_ready.set()


@events.test_start.add_listener
def create_test_data(environment, **_kwargs):
    if isinstance(environment.runner, MasterRunner):
        data_ready.set()  # the master runs no users; each worker seeds its own data
        return
    global seeding
    if not seeding:
        seeding = gevent.spawn(_seed, environment, environment.parsed_options)


# --- outcome classification --------------------------------------------------------------------


def problem_type(response) -> str:
    try:
        return str(response.json().get("type", ""))
    except (ValueError, AttributeError):
        return ""


def classify(response, expected: int) -> str | None:
    """None when the response is what the contract promises, else a bounded failure name."""
    status = response.status_code
    if status == 0:
        return f"connection-error {type(getattr(response, 'error', None)).__name__}"
    if status == 502 and problem_type(response).endswith("/payment-failed"):
        return "payment-failed"
    if status >= 500:
        return f"server-error {status}"
    if status == 409 and expected == 201 and problem_type(response).endswith("/sold-out"):
        return None  # a sold-out concert is the business working, not the service failing
    if status != expected:
        return f"off-contract: status {status}"
    return None


def check(response, expected: int, required_fields: tuple[str, ...] = ()) -> dict | None:
    """Marks the response and returns its JSON body when it is a success with a body."""
    failure = classify(response, expected)
    if failure:
        response.failure(failure)
        return None
    if response.status_code != expected:
        response.success()
        return None
    try:
        body = response.json()
    except ValueError:
        response.failure("off-contract: body is not JSON")
        return None
    missing = [field for field in required_fields if field not in body]
    if missing:
        response.failure(f"off-contract: missing {','.join(missing)}")
        return None
    response.success()
    return body


# --- users -------------------------------------------------------------------------------------


class TicketPulseUser(FastHttpUser):
    abstract = True
    network_timeout = 10.0
    connection_timeout = 5.0

    def on_start(self):
        data_ready.wait(timeout=60)

    def pick_concert(self) -> str | None:
        if hot_concert_id and random.random() < 0.9:
            return hot_concert_id  # the on-sale rush: nearly everyone wants the same show
        return random.choice(concert_ids) if concert_ids else None

    def view_concert(self, concert_id: str) -> dict | None:
        with self.client.get(
            f"/api/concerts/{concert_id}", name="/api/concerts/:id", catch_response=True
        ) as response:
            return check(response, 200, ("id", "ticketsAvailable"))


class Browser(TicketPulseUser):
    """Looks around: lists concerts, opens a few."""

    weight = 6
    wait_time = between(0.5, 2)

    @task(3)
    def list_concerts(self):
        with self.client.get("/api/concerts?limit=20", name="/api/concerts", catch_response=True) as response:
            page = check(response, 200, ("items", "nextCursor"))
        if page and page["nextCursor"] and random.random() < 0.3:
            with self.client.get(
                f"/api/concerts?limit=20&cursor={page['nextCursor']}", name="/api/concerts", catch_response=True
            ) as response:
                check(response, 200, ("items", "nextCursor"))

    @task(5)
    def view(self):
        concert_id = self.pick_concert()
        if concert_id:
            self.view_concert(concert_id)


class Buyer(TicketPulseUser):
    """Views a concert, thinks, buys 1-4 tickets with an idempotency key, checks the order."""

    weight = 3
    wait_time = between(1, 3)

    @task
    def buy(self):
        concert_id = self.pick_concert()
        if not concert_id:
            return
        concert = self.view_concert(concert_id)
        if concert is None:
            return
        self.wait_time_think()
        with self.client.post(
            f"/api/concerts/{concert_id}/orders",
            name="/api/concerts/:id/orders",
            json={"quantity": random.randint(1, 4), "customerEmail": f"fan-{uuid.uuid4().hex[:10]}@example.com"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
            catch_response=True,
        ) as response:
            order = check(response, 201, ("id", "quantity", "status"))
        if order:
            with self.client.get(f"/api/orders/{order['id']}", name="/api/orders/:id", catch_response=True) as response:
                check(response, 200, ("id", "status"))

    def wait_time_think(self):
        gevent.sleep(random.uniform(0.2, 1.0))


class Organiser(TicketPulseUser):
    """Now and then puts a new concert on sale, which buyers then find."""

    weight = 1
    wait_time = between(5, 15)

    @task
    def create_concert(self):
        with self.client.post(
            "/api/concerts", json=_concert_body(f"New show {uuid.uuid4().hex[:6]}", 50_000), catch_response=True
        ) as response:
            concert = check(response, 201, ("id", "capacity"))
            if concert and not response.headers.get("location"):
                response.failure("off-contract: missing Location header")
                concert = None
        if concert:
            concert_ids.append(concert["id"])


# --- the shape ---------------------------------------------------------------------------------


class SelectedShape(LoadTestShape):
    """Delegates to the named shape chosen with --shape (or LOCUST_SHAPE), read when the test starts."""

    _shape: shapes.StagedShape | None = None

    def reset_time(self):
        super().reset_time()
        self._shape = None

    def tick(self):
        if self._shape is None:
            if not data_ready.is_set():
                return 0, 1  # starts the test (test_start seeds the data) without users yet
            options = self.runner.environment.parsed_options
            self._shape = shapes.create_shape(
                options.shape,
                shapes.parse_duration(options.shape_duration),
                options.peak_users,
                **(
                    {
                        "p99_objective_ms": options.p99_objective_ms,
                        "error_objective": options.error_objective,
                        "stop_at_knee": options.ramp_stop_at_knee == "true",
                        "stairs_file": options.ramp_stairs_file or None,
                    }
                    if options.shape == "ramp"
                    else {}
                ),
            )
            self._shape.runner = self.runner
            log.info("shape %s: %s", options.shape, self._shape.stages)
        result = self._shape.tick()
        stopped = getattr(self._shape, "stopped_at_knee_after", None)
        if result is None and stopped is not None and not getattr(self, "_stop_logged", False):
            self._stop_logged = True
            stair = self._shape.judged[-1]
            log.info(
                "ramp stopped: stair %d (%d users) broke an objective: p99 %.0f ms (objective %.0f), purchase failures %.2f%% (objective %.2f%%)",
                stopped + 1,
                stair["users"],
                stair["p99Ms"],
                self._shape.p99_objective_ms,
                stair["errorRatio"] * 100,
                self._shape.error_objective * 100,
            )
        return result


if not shape_requested(sys.argv, os.environ):
    # Plain Locust: no shape class in this module, so -u/-r/-t and the web UI work as usual.
    del SelectedShape
