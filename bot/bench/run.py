"""`make bench`: ours against stock Rasa 3.6 on the same content, and our cluster of 2.

In one run on this machine, each on its own fresh PostgreSQL database
(scripts/postgres.sh; PGTEST_PORT its port; stopped at the end, on failure and
on Ctrl-C too, unless it was already running):

    ours       `python -m bot run`'s processes: one Rasa server and its
               action server (REST channel, masking and sealing store)
    stock      `rasa init`'s bot trained on our content (bot/bench/stock.py):
               built-in REST channel, SQLTrackerStore, no action server
    cluster    ours, 2 Rasa servers behind HAProxy with Redis (bot/cluster.py)

Each is warmed up, then measured with 1 conversation and with 20 at once
(bot/bench/load.py): throughput, p50/p95/p99 answer time, CPU seconds per
message and resident memory of its servers. The rate limit is lifted
(NSSA_RATE_LIMIT_PER_MINUTE) so the bench measures turns, not refusals.
The last line is

    bench: ours/stock throughput at 20 conversations X.XX; p95 ours N ms, stock M ms
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.bench.load import LoadResult, ProcessUsage, run_load
from bot.instance import free_ports, isolated_settings, running, running_cluster
from bot.services import ManagedProcess
from bot.settings import Settings

__all__ = ["Measured", "bench", "render"]

Report = Callable[[str], None]
SINGLE_TURNS = 20
MANY = 20
MANY_TURNS = 5


@dataclasses.dataclass
class Measured:
    """One set-up's figures: the two load runs, CPU per message, memory."""

    name: str
    one: LoadResult
    many: LoadResult
    cpu_ms_per_message: float
    rss_mb: float
    servers: int


def fresh_database(url: str, name: str) -> str:
    """A new, empty PostgreSQL database `name` beside the one of `url`; its URL."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", future=True)
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _measure(
    name: str, url: str, servers: List[ManagedProcess], report: Report
) -> Measured:
    pids = [p.process.pid for p in servers if p.process is not None]

    def progress(label: str) -> Callable[[int, int], None]:
        return lambda done, total: report(f"  {name}, {label}: {done}/{total} messages")

    report(f"{name}: warming up")
    run_load(url, 2, 2)
    before = ProcessUsage.of(pids)
    one = run_load(url, 1, SINGLE_TURNS, progress("1 conversation"))
    many = run_load(url, MANY, MANY_TURNS, progress(f"{MANY} conversations at once"))
    after = ProcessUsage.of(pids)
    messages = len(one.latencies) + len(many.latencies) + one.failures + many.failures
    cpu = (after.cpu_seconds - before.cpu_seconds) * 1000 / max(1, messages)
    return Measured(name, one, many, cpu, after.rss_mb, len([p for p in servers
                                                              if "Rasa" in p.name]))


def _settings(base: Settings, var: Path, database_url: str, servers: int = 1,
              **extra: str) -> Settings:
    return isolated_settings(var, database_url, servers, NSSA_MODEL_DIR=str(base.model_dir),
                             NSSA_RATE_LIMIT_PER_MINUTE="1000000", **extra)


def _ours(base: Settings, model: Path, pg: str, report: Report) -> Measured:
    from bot.services import assistant_processes
    from bot.store.schema import upgrade

    settings = _settings(base, base.var_dir / "bench" / "ours",
                         fresh_database(pg, "nssa_bench_ours"))
    upgrade(settings.database_url)
    processes = assistant_processes(settings, model)
    with running(processes, report):
        servers = [p for p in processes if p.name in ("Rasa server", "action server")]
        return _measure("ours", settings.rasa_url, servers, report)


def _cluster(base: Settings, model: Path, pg: str, report: Report) -> Measured:
    settings = _settings(base, base.var_dir / "bench" / "cluster",
                         fresh_database(pg, "nssa_bench_cluster"), servers=2,
                         NSSA_REDIS_URL=f"redis://127.0.0.1:{free_ports()}/0")
    with running_cluster(settings, model, 2, report) as processes:
        servers = [p for p in processes if p.name.startswith(("Rasa server", "action server"))]
        return _measure("ours, cluster of 2", settings.rasa_url, servers, report)


def _stock(base: Settings, pg: str, report: Report, quick: bool) -> Measured:
    from sqlalchemy.engine import make_url

    from bot.bench.stock import ensure_stock_model

    folder = base.var_dir / "bench" / "stock"
    model = ensure_stock_model(folder, report, quick)
    db = make_url(fresh_database(pg, "nssa_bench_stock"))
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n"
        f"  url: {db.host}\n  port: {db.port}\n  db: {db.database}\n"
        f"  username: {db.username}\n" + (f"  password: {db.password}\n" if db.password else ""),
        encoding="utf-8")
    port = free_ports()
    rasa = ManagedProcess(
        name="stock Rasa server",
        argv=[str(Path(sys.executable).with_name("rasa")), "run", "--model", str(model),
              "--credentials", str(folder / "project" / "credentials.yml"),
              "--endpoints", str(endpoints), "--interface", "127.0.0.1", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/",
        log_path=folder / "rasa.log",
    )
    with running([rasa], report):
        return _measure("stock", f"http://127.0.0.1:{port}", [rasa], report)


def bench(
    settings: Settings, report: Report, cluster: bool = True, quick: bool = False
) -> List[Measured]:
    """Train what is missing, then measure ours, stock and (if `cluster`) our cluster of 2.

    `quick`: stock trained 1 epoch a component instead of 100 (bot/bench/stock.py).
    """
    from bot.cluster import postgres_while
    from bot.training import ensure_model

    report("ours: the model (trained if the content changed) ...")
    model = ensure_model(settings)
    # scripts/postgres.sh's server, stopped at the end if this run started it.
    with postgres_while(dataclasses.replace(settings, database_url="sqlite:///unused"),
                        report) as on_postgres:
        pg = on_postgres.database_url
        results = [_stock(settings, pg, report, quick), _ours(settings, model, pg, report)]
        if cluster:
            results.append(_cluster(settings, model, pg, report))
    return results


def render(results: List[Measured]) -> str:
    """The table, then the last line the issue asks for."""
    rows = ["", f"{'set-up':<20} {'conv':>4} {'msg/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
                f"{'p99 ms':>7} {'fail':>4} {'CPU ms/msg':>10} {'RSS MB':>7}"]
    for m in results:
        for run in (m.one, m.many):
            rows.append(f"{m.name:<20} {run.conversations:>4} {run.throughput:>7.1f} "
                        f"{run.ms(.5):>7.0f} {run.ms(.95):>7.0f} {run.ms(.99):>7.0f} "
                        f"{run.failures:>4} {m.cpu_ms_per_message:>10.0f} {m.rss_mb:>7.0f}")
    named: Dict[str, Measured] = {m.name: m for m in results}
    ours, stock = named["ours"], named["stock"]
    cluster: Optional[Measured] = named.get("ours, cluster of 2")
    if cluster is not None:
        rows.append(f"cluster of 2 / single at {MANY} conversations: throughput "
                    f"{cluster.many.throughput / max(ours.many.throughput, 1e-9):.2f}, p95 "
                    f"{cluster.many.ms(.95):.0f} ms against {ours.many.ms(.95):.0f} ms")
    ratio = ours.many.throughput / max(stock.many.throughput, 1e-9)
    rows.append(f"bench: ours/stock throughput at {MANY} conversations {ratio:.2f}; "
                f"p95 ours {ours.many.ms(.95):.0f} ms, stock {stock.many.ms(.95):.0f} ms")
    return "\n".join(rows)

