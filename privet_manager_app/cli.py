"""Operator commands: `python -m privet_manager_app <command>` (see README, «Эксплуатация»)."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path

from privet_manager_app.settings import PROJECT_DIR, get_settings, reset_settings_cache

FRONTEND_DIR = PROJECT_DIR / ".web" / "build" / "client"
# `make` installs bun here (Reflex builds with bun; Node 20 is too old for its npm mode).
TOOLS_BIN = PROJECT_DIR / ".tools" / "node_modules" / ".bin"
FRONTEND_STAMP = PROJECT_DIR / ".web" / "privet_frontend.stamp"
ALEMBIC_INI = PROJECT_DIR / "alembic.ini"


def migrate(revision: str = "head") -> None:
    from alembic.config import Config

    from alembic import command

    command.upgrade(Config(str(ALEMBIC_INI)), revision)


def prepare_database(*, seed_demo: bool) -> None:
    """Dev/test: stand-in client-app tables, then our migrations, then demo data once.

    Production: migrations only — the client app's tables already exist and are not ours.

    Under a PostgreSQL advisory lock: replicas starting together on a fresh database take turns
    (without it two of them both insert the first alembic_version row and one crashes with a
    UniqueViolation); the later ones find everything done and go on.
    """
    from privet_manager_app.infra.db import advisory_lock

    settings = get_settings()
    if settings.is_sqlite:
        Path(settings.DATABASE_URL.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    with advisory_lock("prepare-database"):
        _prepare_database(settings, seed_demo=seed_demo)


def _prepare_database(settings, *, seed_demo: bool) -> None:
    from privet_manager_app.dev import demo
    from privet_manager_app.infra.db import get_engine

    if not settings.is_production or settings.CREATE_CLIENT_APP_TABLES:
        from privet_manager_app.dev.client_app_fixture import create_client_app_tables

        with get_engine().begin() as connection:
            create_client_app_tables(connection, with_support_bridge=False)
    migrate()
    if not settings.is_production:
        from privet_manager_app.dev.demo_tariffs import ensure_demo_tariffs

        ensure_demo_tariffs()  # dev/test: tariffs to choose from in step 4
    if seed_demo and not demo.has_managers():
        result = demo.seed_demo(settings.DEMO_CLIENTS, seed=2026)
        print(f"Демо-данные: {result['clients']} клиентов, из них {result['in_work']} уже в работе")


# The list's substring-search indexes (migrations 0006 and 0008 create them where pg_trgm is
# allowed): name → (column, the rows it holds).
SEARCH_TRIGRAM_INDEXES = {
    **{
        f"ix_manager_client_search_{tab}_text_trgm": ("search_text", f"tab = '{tab}'")
        for tab in ("new", "in_work", "processed")
    },
    "ix_manager_client_search_phone_trgm": ("phone_digits", None),
}


# The list's order indexes with what a search compares included (migration 0009): name →
# (key columns, the rows it holds).
LIST_ORDER_INDEXES = {
    "ix_manager_client_search_tab_cover": ("tab, updated_at, client_id", None),
    "ix_manager_client_search_mine_cover": (
        "assigned_manager_id, updated_at, client_id",
        "tab <> 'processed'",
    ),
}


def create_search_indexes() -> list[str]:
    """The list's indexes before a migration builds them under a lock (a big database), and the
    trigram ones once pg_trgm may be installed (a database that refused it during the
    migration): built CONCURRENTLY, the list keeps working meanwhile. Returns their names."""
    import sqlalchemy as sa

    from privet_manager_app.infra.db import get_engine

    engine = get_engine()
    if engine.dialect.name != "postgresql":
        raise SystemExit("Индексы поиска нужны только на PostgreSQL")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name, (keys, rows) in LIST_ORDER_INDEXES.items():
            connection.execute(
                sa.text(
                    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON manager_client_search "
                    f"({keys}) INCLUDE (search_text, phone_digits)"
                    + (f" WHERE {rows}" if rows else "")
                )
            )
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        for name, (column, rows) in SEARCH_TRIGRAM_INDEXES.items():
            connection.execute(
                sa.text(
                    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON manager_client_search "
                    f"USING gin ({column} gin_trgm_ops)" + (f" WHERE {rows}" if rows else "")
                )
            )
    return [*LIST_ORDER_INDEXES, *SEARCH_TRIGRAM_INDEXES]


def _frontend_fingerprint(port: int) -> str:
    """Rebuild the frontend only when UI code, assets or the served port changed."""
    digest = hashlib.sha256(f"port={port};api={os.environ.get('API_URL', '')}".encode())
    for folder in ("privet_manager_app", "assets"):
        for path in sorted((PROJECT_DIR / folder).rglob("*")):
            if path.is_file() and path.suffix not in {".pyc"}:
                digest.update(str(path.relative_to(PROJECT_DIR)).encode())
                digest.update(path.read_bytes())
    digest.update((PROJECT_DIR / "rxconfig.py").read_bytes())
    return digest.hexdigest()


def build_frontend(port: int, *, force: bool = False) -> bool:
    fingerprint = _frontend_fingerprint(port)
    index = FRONTEND_DIR / "index.html"
    up_to_date = index.exists() and FRONTEND_STAMP.exists()
    if not force and up_to_date and FRONTEND_STAMP.read_text().strip() == fingerprint:
        return False
    env = {**os.environ, "PORT": str(port)}
    if TOOLS_BIN.is_dir():
        env["PATH"] = f"{TOOLS_BIN}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run(
        [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip"],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
    )
    FRONTEND_STAMP.write_text(fingerprint)
    return True


def print_demo_logins() -> None:
    from privet_manager_app.dev.demo import DEMO_PASSWORD, existing_demo_managers

    managers = existing_demo_managers()
    if managers:
        print(f"Демо-входы (пароль у всех: {DEMO_PASSWORD}):")
    for email, name, role in managers:
        print(f"  {email:<24} {role:<8} {name}")


def serve(port: int, *, build: bool = True, seed_demo: bool = False, workers: int = 1) -> None:
    """Migrate, build the frontend if it changed, then serve UI + REST + /docs on one port."""
    settings = get_settings()
    has_redis = bool(os.environ.get("REDIS_URL"))
    if workers > 1 and not has_redis:
        raise SystemExit(
            f"WEB_CONCURRENCY={workers} без REDIS_URL: состояние интерфейса живёт в памяти "
            "процесса, и запросы, попавшие в другой воркер, его теряют. Задайте REDIS_URL."
        )
    seed_demo = seed_demo or settings.SEED_DEMO_DATA
    prepare_database(seed_demo=seed_demo)
    from privet_manager_app.infra import cpu_pool, replicas

    cpu_pool.shutdown()  # the demo seed's pool processes; each web worker starts its own

    instance = f"{socket.gethostname()}:{port}"
    try:
        replicas.announce(instance, has_redis=has_redis)
    except replicas.ReplicaRefused as refused:
        raise SystemExit(str(refused)) from None
    os.environ[replicas.INSTANCE_ENV] = instance  # the workers' heartbeat names this row
    if build:
        build_frontend(port)
    if not (FRONTEND_DIR / "index.html").exists():
        raise SystemExit(
            "Фронтенд не собран: запустите `python -m privet_manager_app build-frontend`"
        )
    if seed_demo:
        print_demo_logins()
    print(f"PrivetManagerApp: http://localhost:{port}/  (API: /api/manager, Swagger: /docs)")
    database = "SQLite" if settings.is_sqlite else "PostgreSQL"
    print(f"База: {database}, хранилище: {settings.STORAGE_BACKEND}")
    sys.stdout.flush()

    from privet_manager_app.infra.db import dispose_engines

    dispose_engines()  # workers open their own connections
    from reflex_base import constants as reflex_constants
    from reflex_base.environment import environment as reflex_environment

    # What `reflex run --env prod --single-port` sets, minus the rebuild on every start.
    reflex_environment.REFLEX_ENV_MODE.set(reflex_constants.Env.PROD)
    reflex_environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.set(True)
    reflex_environment.REFLEX_SKIP_COMPILE.set(True)
    os.environ["PORT"] = str(port)
    # Read again with the port served (the QR link follows it when PUBLIC_BASE_URL is unset).
    reset_settings_cache()
    from granian.constants import Interfaces
    from granian.server import Server

    try:
        Server(
            target="privet_manager_app.privet_manager_app:asgi_app",
            factory=True,
            address="0.0.0.0",  # noqa: S104 - a container serves on all interfaces
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            log_access=False,
        ).serve()
    finally:
        replicas.leave(instance)


def create_manager_command(args: argparse.Namespace) -> None:
    from privet_manager_app.domain.admin import auth

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Пароль: ")
        if getpass.getpass("Повторите пароль: ") != password:
            raise SystemExit("Пароли не совпадают")
    manager = auth.create_manager(args.email, args.name, password, args.role)
    print(f"Создан {manager.role} {manager.email} (id {manager.id})")


def verify_audit_command() -> int:
    """Recompute the whole audit chain; exit 1 naming the first broken link."""
    from privet_manager_app.domain.history import chain

    report = chain.verify_stored()
    print(report.describe())
    return 0 if report.intact else 1


def rotate_passport_key_command(batch: int) -> None:
    """Re-encrypt passports and contract snapshots to the current key, batch by batch: each
    batch is its own transaction, so an interrupted run keeps what it did and a rerun goes on."""
    from privet_manager_app.domain.wizard import passport_vault
    from privet_manager_app.infra.db import transaction

    done = passport_vault.RotationCount()
    while True:
        with transaction() as session:
            count = passport_vault.rotate_batch(session, batch)
        done.passports += count.passports
        done.contracts += count.contracts
        if count.total:
            print(f"  перешифровано: паспортов {done.passports}, договоров {done.contracts}")
            sys.stdout.flush()
        if count.total < batch:
            break
    with transaction() as session:
        left = passport_vault.still_under_old_keys(session)
    print(
        f"Готово: паспортов {done.passports}, договоров {done.contracts}; "
        f"осталось под старыми ключами: {left.total}"
    )
    if left.total:  # rows another runner holds locked right now: run again
        raise SystemExit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m privet_manager_app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("serve", help="миграции, сборка фронтенда при изменениях, сервер")
    run.add_argument("--port", type=int, default=None)
    run.add_argument("--no-build", action="store_true", help="не собирать фронтенд")
    run.add_argument("--demo", action="store_true", help="демо-данные при первом запуске")
    run.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))

    commands.add_parser("migrate", help="alembic upgrade head")
    commands.add_parser("prepare-db", help="dev/test: таблицы клиентского приложения + миграции")
    build = commands.add_parser("build-frontend", help="собрать фронтенд (reflex export)")
    build.add_argument("--port", type=int, default=None)
    build.add_argument("--force", action="store_true")

    create = commands.add_parser("create-manager", help="создать менеджера или администратора")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=["manager", "admin"], default="manager")
    create.add_argument("--password-stdin", action="store_true", help="прочитать пароль из stdin")

    commands.add_parser("backfill-clients", help="manager_clients для всех users (идемпотентно)")
    commands.add_parser(
        "search-indexes", help="индексы поиска (списка и pg_trgm), CONCURRENTLY — без блокировки"
    )
    seed = commands.add_parser("seed-demo", help="добавить N демо-клиентов и демо-менеджеров")
    seed.add_argument("count", type=int, nargs="?", default=None)

    commands.add_parser("verify-audit", help="пересчитать цепочку хешей журнала аудита")
    rotate = commands.add_parser(
        "rotate-passport-key", help="перешифровать паспорта текущим ключом (можно продолжить)"
    )
    rotate.add_argument("--batch", type=int, default=500)
    sweep = commands.add_parser(
        "sweep-storage",
        help="объекты хранилища без записи в базе (и записи без объекта); --apply — удалить",
    )
    sweep.add_argument(
        "--older-than-hours",
        type=float,
        default=24.0,
        help="не трогать объекты моложе N часов (по умолчанию 24): они могут быть в работе",
    )
    sweep.add_argument("--apply", action="store_true", help="удалить (без флага — только отчёт)")

    args = parser.parse_args(argv)
    settings = get_settings()
    port = getattr(args, "port", None) or settings.PORT

    if args.command == "serve":
        serve(port, build=not args.no_build, seed_demo=args.demo, workers=args.workers)
    elif args.command == "migrate":
        migrate()
    elif args.command == "prepare-db":
        prepare_database(seed_demo=False)
    elif args.command == "build-frontend":
        build_frontend(port, force=args.force)
    elif args.command == "create-manager":
        create_manager_command(args)
    elif args.command == "backfill-clients":
        from privet_manager_app.domain.clients.sync import reconcile_all

        result = reconcile_all()
        print(f"Добавлено записей manager_clients: {result.clients_added}")
        print(f"Обновлено строк поиска: {result.rows_fixed}")
    elif args.command == "search-indexes":
        print("Индексы поиска: " + ", ".join(create_search_indexes()))
    elif args.command == "sweep-storage":
        import datetime as dt

        from privet_manager_app.domain.admin import storage_sweep

        if args.older_than_hours < 0:
            raise SystemExit("--older-than-hours не может быть отрицательным")
        report = storage_sweep.sweep(dt.timedelta(hours=args.older_than_hours), apply=args.apply)
        print("\n".join(storage_sweep.report_lines(report, apply=args.apply)))
    elif args.command == "seed-demo":
        from privet_manager_app.dev import demo

        result = demo.seed_demo(args.count or settings.DEMO_CLIENTS)
        print(f"Добавлено клиентов: {result['clients']}")
    elif args.command == "verify-audit":
        raise SystemExit(verify_audit_command())
    elif args.command == "rotate-passport-key":
        rotate_passport_key_command(max(1, args.batch))
