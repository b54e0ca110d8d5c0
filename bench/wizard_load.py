"""The whole wizard over REST under load: flows/s and p95 per step at 1 and 8 concurrent
managers, on a live server, with `/ping` as the floor.

    .venv/bin/python bench/wizard_load.py                     # 1M background users (≈ 6 min)
    .venv/bin/python bench/wizard_load.py --background 0 --flows 3
    .venv/bin/python bench/wizard_load.py --storage local --no-profile

A live server: `python -m privet_manager_app serve --no-build` in its own process (granian,
one worker — what the container runs), real HTTP on 127.0.0.1, BCRYPT_ROUNDS=12 (production
cost). PostgreSQL: a throwaway cluster with a background population of --background
`users` + `manager_clients` (tests/support/scale_data.py), because several steps read
`users`. Storage: moto's S3 server in a separate process (`moto_server`, real HTTP; the
browser-side PUT goes to it through the presigned URL), or --storage local (the app's signed
upload endpoint).

One flow = one manager, one new client, every step a manager's phone sends (the managers log
in together before a level's clock starts — once a shift, their login is its own row;
--login-every-flow repeats it inside every flow, the old measure):
[login →] claim → profile (step 1) → passport (step 2) → device → photo upload-url → PUT of a
12-megapixel JPEG → attach → tariff apply → contract generate → (the client reads the code:
the bench reads it from `support_messages`, as the client app does) → confirm → payment.
Each manager thread runs its flows one after another; flows/s = finished flows / wall time.
Errors are counted by step and HTTP status; a flow stops at its first error.

While each level runs, the CPU time of the server, PostgreSQL, moto and the bench itself is
read from /proc, and py-spy (if installed) samples the server at 8 managers: where the time
goes (bcrypt, PDF, photo, database driver, …). Results also go to bench/results/.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({"APP_ENV": "test", "SEED_DEMO_DATA": "false"})

from bench.support.common import (  # noqa: E402
    RESULTS_DIR,
    AppSchema,
    load_level,
    results_path,
    summary,
    write_json,
)
from tests.support.ports import free_port  # noqa: E402
from tests.support.samples import PASSPORT_REQUEST  # noqa: E402

# ---- Adapter: the only place that knows where the app's modules live -----------------------
# (with bench/support/common.py's AppSchema: after a move only these blocks change)

SERVE_COMMAND = [sys.executable, "-m", "privet_manager_app", "serve", "--no-build"]


class App(AppSchema):
    def __init__(self) -> None:
        super().__init__()
        from privet_manager_app.cli import FRONTEND_DIR, build_frontend
        from privet_manager_app.domain.admin import auth
        from privet_manager_app.domain.clients.sync import reconcile_all

        self._frontend_index = FRONTEND_DIR / "index.html"
        self._build_frontend = build_frontend
        self._auth = auth
        self.backfill = reconcile_all  # cards and search rows for users inserted in SQL

    def create_manager(self, email: str, name: str, password: str) -> None:
        self._auth.create_manager(email, name, password, "manager")

    def ensure_frontend(self, port: int) -> None:
        """`serve` wants a built frontend; the REST flow does not care for which port it was
        built, so an existing build is used as it is."""
        if not self._frontend_index.exists():
            self._build_frontend(port)


API = "/api/manager"
PASSWORD = "Load-Bench-Pass-1"
PASSPORT = PASSPORT_REQUEST
STEPS = (
    "login",
    "claim",
    "profile",
    "passport",
    "device",
    "upload_url",
    "photo_put",
    "photo_attach",
    "tariff_apply",
    "contract_generate",
    "confirm",
    "payment",
)
TARGET_FLOWS_PER_S = 2.5


# ---- CPU accounting from /proc -------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        # Every thread's children: a process pool started from a request thread is listed
        # under that thread, not under the process's main one.
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def postgres_pids(data_dir: Path) -> list[int]:
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    return descendants(postmaster)


# ---- The photo a phone sends ---------------------------------------------------------------


def phone_photo() -> bytes:
    """A 12-megapixel JPEG with EXIF (orientation + GPS), the way a phone camera sends it."""
    from tests.support import images

    return images.jpeg_bytes(4000, 3000, orientation=6, quality=88)


# ---- One flow ------------------------------------------------------------------------------


# --login-every-flow: every flow starts with a login (bcrypt at cost 12 per client).
LOGIN_EVERY_FLOW = False


class FlowError(Exception):
    def __init__(self, step: str, status: int, text: str) -> None:
        super().__init__(f"{step}: HTTP {status} {text[:200]}")
        self.step = step
        self.status = status


class Flow:
    def __init__(self, base: str, email: str, code_reader, photo: bytes, record) -> None:
        import httpx

        self.http = httpx.Client(base_url=base, timeout=120)
        self.email = email
        self.read_code = code_reader
        self.photo = photo
        self.record = record
        self.headers: dict[str, str] = {}
        self.tariff_id: int | None = None
        self.login_every_flow = LOGIN_EVERY_FLOW

    def close(self) -> None:
        self.http.close()

    def _call(self, step: str, method: str, url: str, expect=(200, 201), **kwargs):
        started = time.perf_counter()
        response = self.http.request(method, url, **kwargs)
        self.record(step, time.perf_counter() - started, response.status_code)
        if response.status_code not in expect:
            raise FlowError(step, response.status_code, response.text)
        return response

    def login(self) -> None:
        token = self._call(
            "login",
            "POST",
            f"{API}/auth/login",
            json={"email": self.email, "password": PASSWORD},
        ).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}", "User-Agent": "wizard-load/1"}
        tariffs = self.http.get(f"{API}/tariffs", headers=self.headers).json()
        self.tariff_id = next(item["id"] for item in tariffs if item["code"] == "home")

    def run(self, client_id: int, user_id: int, serial: int) -> None:
        # A manager logs in once, before the level's clock starts, and then works client after
        # client (the flow is claim … payment); --login-every-flow puts bcrypt back into
        # every flow.
        if self.login_every_flow:
            self.login()
        base = f"{API}/clients/{client_id}"
        h = self.headers
        card = self._call("claim", "POST", f"{base}/claim", headers=h).json()
        profile = self._call(
            "profile",
            "PATCH",
            f"{base}/profile",
            headers=h,
            json={
                "version": card["version"],
                "name": "Петров Иван Сергеевич",
                "phone": f"+7 916 {serial % 1000:03d}-{serial // 1000 % 100:02d}-{serial % 97:02d}",
                "email": f"load{serial}@example.ru",
                "registration_address": "Московская обл., г. Химки, ул. Ленина, д 5 к2 кв 17",
            },
        ).json()
        self._call(
            "passport",
            "PUT",
            f"{base}/passport",
            headers=h,
            json={**PASSPORT, "number": f"{serial % 1_000_000:06d}", "version": profile["version"]},
        ).json()
        device = self._call(
            "device",
            "POST",
            f"{base}/devices",
            headers=h,
            json={"category": "fridge", "brand": "Bosch", "model": "KGN39VI25R"},
        ).json()
        ticket = self._call(
            "upload_url",
            "POST",
            f"{base}/devices/{device['id']}/photos/upload-url",
            headers=h,
            json={"filename": "IMG_0001.JPG", "content_type": "image/jpeg"},
        ).json()
        self._call(
            "photo_put",
            ticket["method"],
            ticket["upload_url"],
            headers=ticket["headers"],
            content=self.photo,
        )
        self._call(
            "photo_attach",
            "POST",
            f"{base}/devices/{device['id']}/photos",
            headers=h,
            json={"file_key": ticket["file_key"]},
        )
        applied = self._call(
            "tariff_apply",
            "POST",
            f"{base}/tariff/apply",
            headers=h,
            json={"tariff_id": self.tariff_id},
        ).json()
        self._call("contract_generate", "POST", f"{base}/contract/generate", headers=h, json={})
        code = self.read_code(user_id)
        self._call(
            "confirm",
            "POST",
            f"{base}/contract/confirm",
            headers=h,
            json={"code": code, "pep_agreed": True},
        )
        self._call(
            "payment",
            "POST",
            f"{base}/payment/confirm",
            headers=h,
            json={"amount": applied["surcharge"], "method": "card"},
        )


# ---- Set-up --------------------------------------------------------------------------------


def insert_clients(dsn: str, count: int) -> list[tuple[int, int]]:
    """New clients as the client app registers them; then our backfill gives them cards."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            "INSERT INTO users (phone, email, name, is_active, created_at, updated_at) "
            "SELECT '8 (903) ' || lpad(g::text, 7, '0'), NULL, 'клиент нагрузки ' || g, true, "
            "now(), now() FROM generate_series(1, %s) g RETURNING id",
            (count,),
        ).fetchall()
    return [row[0] for row in rows]


def client_ids(dsn: str, user_ids: list[int]) -> list[tuple[int, int]]:
    import psycopg

    with psycopg.connect(dsn) as connection:
        rows = connection.execute(
            "SELECT id, user_id FROM manager_clients WHERE user_id = ANY(%s) ORDER BY user_id",
            (user_ids,),
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


class CodeReader:
    """The client app's side: the newest OTP card in the client's chat."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.local = threading.local()

    def __call__(self, user_id: int) -> str:
        import psycopg

        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = psycopg.connect(self.dsn, autocommit=True)
        row = connection.execute(
            "SELECT m.payload->>'code' FROM support_messages m "
            "JOIN support_tickets t ON t.id = m.ticket_id "
            "WHERE t.user_id = %s AND m.payload->>'type' = 'contract_otp' "
            "ORDER BY m.id DESC LIMIT 1",
            (user_id,),
        ).fetchone()
        if row is None:
            raise FlowError("read_code", 0, "no OTP message in the client's chat")
        return row[0]


def copies_pending(dsn: str, client_ids: list[int]) -> int:
    """Signed contracts of these clients whose first sealed copy is not ready yet: the signing
    answer does not wait for it (SIGNED_COPY_WAIT_SECONDS=0), the server builds it after."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM manager_contracts c "
            "WHERE c.client_id = ANY(%s) AND c.status = 'signed' AND NOT EXISTS ("
            "SELECT 1 FROM manager_sealed_copies s "
            "WHERE s.contract_id = c.id AND s.status = 'ready')",
            (client_ids,),
        ).fetchone()[0]


def drain_copies(dsn: str, client_ids: list[int], timeout: float = 120) -> float:
    """Wait for the background sealed copies of the finished flows; the seconds it took."""
    started = time.perf_counter()
    while client_ids and copies_pending(dsn, client_ids):
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"sealed copies still not ready after {timeout:.0f} s")
        time.sleep(0.05)
    return time.perf_counter() - started


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self.statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def __call__(self, step: str, seconds: float, status: int) -> None:
        with self.lock:
            self.statuses[step][status] += 1
            if status < 400:
                self.times[step].append(seconds)


def ping_floor(base: str, concurrency: int, requests: int) -> dict:
    import httpx

    times: list[float] = []
    lock = threading.Lock()

    def worker(count: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            for _ in range(count):
                started = time.perf_counter()
                http.get("/ping").raise_for_status()
                with lock:
                    times.append(time.perf_counter() - started)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, [requests // concurrency] * concurrency))
    wall = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": len(times),
        "rps": round(len(times) / wall, 1),
        **summary(times),
    }


def run_level(
    base, managers: list[str], flows_each: int, clients, reader, photo, pids, profile
) -> dict:
    recorder = Recorder()
    failures: collections.Counter = collections.Counter()
    done = []
    queue = list(clients)
    lock = threading.Lock()

    def worker(flow: Flow) -> None:
        try:
            for _ in range(flows_each):
                with lock:
                    client_id, user_id = queue.pop()
                try:
                    flow.run(client_id, user_id, client_id)
                    with lock:
                        done.append(client_id)
                except FlowError as error:
                    with lock:
                        failures[f"{error.step} {error.status}"] += 1
        finally:
            flow.close()

    flows = [Flow(base, email, reader, photo, recorder) for email in managers]

    # The managers log in together (their p50/p95 are the login row), then the clock starts:
    # a manager logs in once a shift, the flow is claim … payment.
    def log_in(flow: Flow) -> None:
        try:
            flow.login()
        except FlowError as error:  # its flows then fail at their first step, counted there
            with lock:
                failures[f"{error.step} {error.status}"] += 1

    logging_in = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(len(flows)) as pool:
        list(pool.map(log_in, flows))
    login_s = time.perf_counter() - logging_in
    cpu_before = {name: cpu_seconds(ids()) for name, ids in pids.items()}
    profilers = profile() if profile else None
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(len(flows)) as pool:
        list(pool.map(worker, flows))
    # The level ends when the server's work for it does: the copies it builds after answering.
    drain = drain_copies(reader.dsn, done)
    wall = time.perf_counter() - started
    profiled = profilers.stop() if profilers else None
    cpu = {
        name: round((cpu_seconds(ids()) - cpu_before[name]) / wall * 100)
        for name, ids in pids.items()
    }
    steps = {
        step: summary(recorder.times[step], digits=1) for step in STEPS if recorder.times[step]
    }
    errors = {
        step: {str(code): n for code, n in counts.items() if code >= 400}
        for step, counts in recorder.statuses.items()
        if any(code >= 400 for code in counts)
    }
    return {
        "managers": len(managers),
        "flows": len(done),
        "failed_flows": sum(failures.values()),
        "wall_s": round(wall, 1),
        "copies_drain_s": round(drain, 2),  # in wall_s: after the last answer, copies still built
        "login_s": round(login_s, 1),  # before wall_s: the managers logging in together
        "flows_per_s": round(len(done) / wall, 2),
        "steps": steps,
        "errors_by_step": errors,
        "cpu_percent": cpu,
        "load": load_level(),
        "profile": profiled,
    }


# Where the server's samples go: the innermost frame that matches names the part.
PROFILE_BUCKETS = (
    ("bcrypt (login)", ("bcrypt", "verify_password (", "hash_password (")),
    ("PDF (fpdf2, fonts, QR)", ("fpdf", "segno", "fontTools", "/infra/pdf.py")),
    ("photo (Pillow, pillow-heif)", ("PIL/", "pillow_heif", "/domain/photos.py")),
    ("S3 client (boto3/botocore/urllib3)", ("botocore", "boto3", "s3transfer", "urllib3")),
    ("waiting for PostgreSQL (psycopg wait)", ("Connection.wait (psycopg", "psycopg/waiting")),
    ("waiting for a pooled connection", ("QueuePool._do_get", "pool/impl.py")),
    ("database driver (psycopg, CPU)", ("psycopg",)),
    ("SQLAlchemy / SQLModel", ("sqlalchemy", "sqlmodel")),
    ("validation / JSON (pydantic)", ("pydantic",)),
    (
        "HTTP / ASGI (granian, starlette, fastapi, anyio)",
        ("starlette", "fastapi", "granian", "anyio"),
    ),
    ("Reflex", ("reflex",)),
)
_IDLE = ("EpollSelector.select", "select (selectors", "wait (threading", "_worker (concurrent")


def summarise_profile(path: Path) -> list[tuple[str, int, float]]:
    """Samples per part, as a share of the samples that were not idle."""
    if not path.exists():
        return []
    totals: collections.Counter = collections.Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if frames and any(word in frames[-1] for word in _IDLE):
            continue
        bucket = "other Python"
        for frame in reversed(frames):
            hit = next(
                (name for name, keys in PROFILE_BUCKETS if any(k in frame for k in keys)), None
            )
            if hit:
                bucket = hit
                break
        totals[bucket] += int(count)
    busy = sum(totals.values())
    return [(name, n, n / busy * 100 if busy else 0.0) for name, n in totals.most_common()]


SPY_RATE = 50


class Profilers:
    """py-spy on the server twice (all active threads; only the GIL holder) and a sampler of
    pg_stat_activity — started before a level, stopped after it."""

    def __init__(self, server_pid: int, dsn: str, directory: Path, tag: str) -> None:
        self.paths = {
            kind: directory / f"wizard_load_profile_{tag}_{kind}.txt" for kind in ("active", "gil")
        }
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.spies = []
        for kind, path in self.paths.items():
            path.unlink(missing_ok=True)
            command = [spy, "record", "--pid", str(server_pid), "--rate", str(SPY_RATE)]
            command += ["--format", "raw", "--output", str(path), "--nonblocking"]
            command += ["--subprocesses"] + (["--gil"] if kind == "gil" else [])
            self.spies.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        self.dsn = dsn
        self.samples: list[list[tuple[str, str]]] = []
        self.stop_event = threading.Event()
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        time.sleep(1.0)  # py-spy attaches
        self.started = time.perf_counter()
        self.sampler.start()

    def _sample(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            while not self.stop_event.wait(0.1):
                rows = connection.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), "
                    "regexp_replace(left(query, 70), '\\s+', ' ', 'g') FROM pg_stat_activity "
                    "WHERE datname = current_database() AND state = 'active' "
                    "AND pid <> pg_backend_pid()"
                ).fetchall()
                self.samples.append(rows)

    def stop(self) -> dict:
        seconds = time.perf_counter() - self.started
        self.stop_event.set()
        self.sampler.join(timeout=5)
        for spy in self.spies:
            spy.send_signal(2)  # SIGINT: py-spy writes what it sampled and exits
        for spy in self.spies:
            try:
                spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy.kill()
        gil_samples = 0
        if self.paths["gil"].exists():
            for line in self.paths["gil"].read_text(errors="replace").splitlines():
                count = line.rpartition(" ")[2]
                gil_samples += int(count) if count.isdigit() else 0
        waits: collections.Counter = collections.Counter()
        queries: collections.Counter = collections.Counter()
        for rows in self.samples:
            for wait, query in rows:
                waits[wait] += 1
                queries[query] += 1
        polls = max(1, len(self.samples))
        return {
            "seconds": round(seconds, 1),
            "gil_held_percent": round(gil_samples / (SPY_RATE * seconds) * 100),
            "active": summarise_profile(self.paths["active"]),
            "gil": summarise_profile(self.paths["gil"]),
            "pg_active_backends_mean": round(sum(waits.values()) / polls, 2),
            "pg_waits": [(name, round(n / polls, 2)) for name, n in waits.most_common(6)],
            "pg_queries": [(text, round(n / polls, 2)) for text, n in queries.most_common(6)],
        }


# ---- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", default="1,8", help="concurrency levels (default 1,8)")
    parser.add_argument("--flows", type=int, default=5, help="flows per manager per level")
    parser.add_argument("--background", type=int, default=1_000_000, help="background users")
    parser.add_argument("--storage", choices=("s3", "local"), default="s3")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "0")) or None)
    parser.add_argument("--bcrypt-rounds", type=int, default=12)
    parser.add_argument("--no-profile", action="store_true", help="skip py-spy at the top level")
    parser.add_argument("--pings", type=int, default=800)
    parser.add_argument(
        "--login-every-flow", action="store_true", help="log in before every flow (old measure)"
    )
    args = parser.parse_args()
    global LOGIN_EVERY_FLOW
    LOGIN_EVERY_FLOW = args.login_every_flow
    levels = [int(level) for level in args.managers.split(",")]
    port = args.port or free_port()

    from tests.support import scale_data
    from tests.support.postgres import throwaway_postgres

    print(
        f"Wizard load: levels {levels}, {args.flows} flows per manager; {load_level()}", flush=True
    )
    started_all = time.perf_counter()
    storage_dir = Path(tempfile.mkdtemp(prefix="privet-load-storage-"))
    moto = server = None
    with throwaway_postgres() as pg:
        url = pg.create_database("load")
        dsn = f"host=127.0.0.1 port={pg.port} user=postgres dbname=load"
        app = App()
        app.use(url)
        app.prepare_schema()
        if args.background:
            import psycopg

            print(f"  background: {args.background:,} users …", flush=True)
            with psycopg.connect(dsn) as connection:
                data = scale_data.build(connection, args.background, full=False)
            print(f"  built in {sum(data.seconds.values()):.0f} s", flush=True)
        os.environ["BCRYPT_ROUNDS"] = str(args.bcrypt_rounds)
        app.reread_settings()
        top = max(levels)
        emails = [f"load{index}@bench.example" for index in range(1, top + 1)]
        for index, email in enumerate(emails, start=1):
            app.create_manager(email, f"Мастер Нагрузка {index}", PASSWORD)
        total_flows = sum(level * args.flows for level in levels) + 1
        app.backfill()
        user_ids = insert_clients(dsn, total_flows)
        app.backfill()
        clients = client_ids(dsn, user_ids)
        app.dispose()

        env = {
            "DATABASE_URL": url,
            "APP_ENV": "test",
            "BCRYPT_ROUNDS": str(args.bcrypt_rounds),
            "STORAGE_DIR": str(storage_dir),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        }
        storage_label = "local directory (the app's signed upload endpoint)"
        if args.storage == "s3":
            moto_port = free_port()
            moto = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "moto_server"),
                    "-H",
                    "127.0.0.1",
                    "-p",
                    str(moto_port),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            endpoint = f"http://127.0.0.1:{moto_port}"
            env.update(
                {
                    "STORAGE_BACKEND": "s3",
                    "S3_ENDPOINT": endpoint,
                    "S3_PUBLIC_ENDPOINT": "",
                    "S3_ACCESS_KEY": "test-access-key",
                    "S3_SECRET_KEY": "test-secret-key-0123456789",
                    "S3_REGION": "us-east-1",
                    "S3_BUCKET": f"privet-load-{uuid.uuid4().hex[:8]}",
                }
            )
            storage_label = "S3: moto_server in its own process (real HTTP, presigned PUT)"
            _wait_port(moto_port)
        app.ensure_frontend(port)
        from tests.support.live_server import LiveServer

        log = results_path("wizard_load_server.log")
        server = LiveServer(port, env, log)
        server.start()
        try:
            pids = {
                "server": lambda: descendants(server.process.pid),
                "postgres": lambda: postgres_pids(pg.directory / "data"),
                "moto": (lambda: descendants(moto.pid)) if moto else (lambda: []),
                "bench": lambda: [os.getpid()],
            }
            base = server.url.replace("localhost", "127.0.0.1")
            photo = phone_photo()
            reader = CodeReader(dsn)
            print(
                f"  server {base} ({storage_label}); photo {len(photo) / 1e6:.1f} MB; "
                f"{load_level()}",
                flush=True,
            )
            warm = Flow(base, emails[0], reader, photo, Recorder())
            warm.login()
            warm.run(*clients.pop(), serial=0)
            warm.close()
            floors = [ping_floor(base, level, args.pings) for level in levels]
            levels_out = []
            for level in levels:
                batch = [clients.pop() for _ in range(level * args.flows)]
                profile = None
                if not args.no_profile and _has_py_spy():

                    def profile(level=level):
                        return Profilers(server.process.pid, dsn, RESULTS_DIR, f"{level}mgr")

                print(f"  {level} manager(s) × {args.flows} flows …", flush=True)
                levels_out.append(
                    run_level(base, emails[:level], args.flows, batch, reader, photo, pids, profile)
                )
            floors_after = [ping_floor(base, level, args.pings) for level in levels]
        finally:
            server.stop()
            if moto:
                moto.terminate()
                moto.wait(timeout=10)
    shutil.rmtree(storage_dir, ignore_errors=True)

    print()
    print(
        f"## Wizard load — live server (granian, 1 worker), PostgreSQL 15 with "
        f"{args.background:,} background users, {storage_label}; bcrypt cost "
        f"{args.bcrypt_rounds}; {platform.python_version()}"
    )
    print()
    print(
        "| managers | logging in (before the clock) | flows | failed | wall (incl. the copies) "
        "| flows/s | CPU % server / postgres / moto / bench (of 200) | load |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for level in levels_out:
        cpu = level["cpu_percent"]
        print(
            f"| {level['managers']} | {level['login_s']} s | {level['flows']} | "
            f"{level['failed_flows']} | "
            f"{level['wall_s']} s | **{level['flows_per_s']}** | {cpu['server']} / "
            f"{cpu['postgres']} / {cpu['moto']} / {cpu['bench']} | {level['load']} |"
        )
    print()
    header = " | ".join(
        f"{level['managers']} mgr p50 | {level['managers']} mgr p95" for level in levels_out
    )
    print(f"| step | {header} |")
    print("|---|" + "---|" * (2 * len(levels_out)))
    for step in STEPS:
        cells = []
        for level in levels_out:
            got = level["steps"].get(step)
            cells += [f"{got['p50_ms']:.0f} ms", f"{got['p95_ms']:.0f} ms"] if got else ["—", "—"]
        print(f"| {step} | {' | '.join(cells)} |")
    print()
    print("| /ping floor | requests | req/s | p50 | p95 |")
    print("|---|---|---|---|---|")
    for label, floor_list in (("before", floors), ("after", floors_after)):
        for floor in floor_list:
            print(
                f"| {label}, {floor['concurrency']} concurrent | {floor['requests']} | "
                f"{floor['rps']} | {floor['p50_ms']} ms | {floor['p95_ms']} ms |"
            )
    print()
    for level in levels_out:
        errors = level["errors_by_step"]
        text = "; ".join(
            f"{step}: " + ", ".join(f"{n}× {code}" for code, n in codes.items())
            for step, codes in errors.items()
        )
        print(f"errors at {level['managers']} manager(s): {text or 'none'}")
    for level in levels_out:
        profiled = level["profile"]
        if not profiled:
            continue
        print()
        print(
            f"### where the server's time goes at {level['managers']} manager(s) "
            f"(py-spy {SPY_RATE} Hz over {profiled['seconds']} s; GIL held "
            f"{profiled['gil_held_percent']} % of the time)"
        )
        print()
        print("| part | share of active-thread samples | share of GIL-holding samples |")
        print("|---|---|---|")
        gil = {name: share for name, _, share in profiled["gil"]}
        for name, _, share in profiled["active"]:
            print(f"| {name} | {share:.0f} % | {gil.get(name, 0.0):.0f} % |")
        print()
        print(
            f"PostgreSQL: {profiled['pg_active_backends_mean']} active backends on average; "
            "by wait: " + ", ".join(f"{name} {n}" for name, n in profiled["pg_waits"])
        )
        for text, n in profiled["pg_queries"]:
            print(f"  {n:5.2f} active on average: {text}")
    elapsed = time.perf_counter() - started_all
    at_eight = [level for level in levels_out if level["managers"] == 8]
    if not at_eight:
        verdict = "not measured (no 8-manager level ran)"
    elif all(
        level["flows_per_s"] >= TARGET_FLOWS_PER_S and not level["failed_flows"]
        for level in at_eight
    ):
        verdict = "met"
    else:
        verdict = "MISSED"
    print()
    print(
        f"target at 8 managers: ≥ {TARGET_FLOWS_PER_S} flows/s, 0 errors — "
        f"{verdict}; total {elapsed / 60:.1f} min; {load_level()}"
    )
    write_json(
        "wizard_load.json",
        {
            "levels": levels_out,
            "ping_before": floors,
            "ping_after": floors_after,
            "background_users": args.background,
            "storage": storage_label,
            "bcrypt_rounds": args.bcrypt_rounds,
            "python": platform.python_version(),
            "minutes": round(elapsed / 60, 1),
        },
    )
    return 0


def _has_py_spy() -> bool:
    return bool(shutil.which("py-spy") or (Path(sys.executable).parent / "py-spy").exists())


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


if __name__ == "__main__":
    sys.exit(main())
