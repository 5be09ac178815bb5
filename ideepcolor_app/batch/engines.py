"""Where a batch's shards run: in this process, in a pool of processes, or on Ray.

On Ray each worker is an actor that loads the model once and takes shards from a pool
(:class:`ray.util.ActorPool`), with the CPUs and GPUs it reserves. Actors fit better than Ray
Data's ``map_batches`` here: a shard is a whole file (a clip is coloured frame after frame, each
starting from the previous one's colours), it writes its own result and done marker, and resuming
is the plan's skipping of finished shards, not a dataset's checkpoint.
"""

from __future__ import annotations

import multiprocessing
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from ..base.errors import UsageError
from .plan import Shard
from .worker import BatchOptions, ShardWorker

Report = dict[str, Any]
INSTALL_RAY = 'the Ray engine needs Ray: pip install "ideepcolor-app[cluster]" (or pip install ray)'


def run_local(shards: Sequence[Shard], options: BatchOptions, workers: int = 1) -> Iterator[Report]:
    """Run ``shards`` in this process (``workers`` 1) or in a pool of processes, one model each;
    yields each shard's report as it finishes."""
    if workers <= 1:
        worker = ShardWorker(options)
        for shard in shards:
            yield worker.run(shard)
        return
    context = multiprocessing.get_context("spawn")  # torch's threads do not survive a fork
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(options,)) as pool:
        futures = [pool.submit(_run_in_worker, shard) for shard in shards]
        for future in as_completed(futures):
            yield future.result()


_WORKER: ShardWorker | None = None


def _start_worker(options: BatchOptions) -> None:
    global _WORKER
    _WORKER = ShardWorker(options)


def _run_in_worker(shard: Shard) -> Report:
    assert _WORKER is not None
    return _WORKER.run(shard)


def check_reachable(address: str, seconds: float = 3.0) -> None:
    """Fail at once with a clear message where ``address`` (``host:port`` or ``ray://host:port``)
    takes no connection: Ray itself would keep trying for minutes."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--address {address}: give the Ray head as HOST:PORT (ray start --head prints it)")
    try:
        socket.create_connection((host, int(port)), timeout=seconds).close()
    except OSError as exc:
        raise UsageError(
            f"cannot reach a Ray cluster at {address} ({exc.strerror or exc}); start one there with "
            "'ray start --head', or leave --address out to run on this machine"
        ) from None


def run_ray(
    shards: Sequence[Shard],
    options: BatchOptions,
    workers: int,
    address: str | None = None,
    cpus_per_worker: float = 1.0,
    gpus_per_worker: float = 0.0,
    on_start: Callable[[str], None] | None = None,
) -> Iterator[Report]:
    """Run ``shards`` on Ray: the cluster at ``address``, else a local instance started here (and
    stopped at the end). A worker that dies mid-shard is restarted and the shard retried; a shard
    that fails for good is left for ``--resume``."""
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise UsageError(INSTALL_RAY) from None
    started_here = not ray.is_initialized()
    if started_here:
        if address:
            check_reachable(address)
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(
                    num_cpus=max(1, round(workers * cpus_per_worker)), include_dashboard=False, log_to_driver=False
                )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise UsageError(f"cannot reach a Ray cluster at {address or 'this machine'}: {exc}") from None
    try:
        if on_start is not None:
            on_start(f"Ray {ray.__version__}, {ray.cluster_resources().get('CPU', 0):g} CPUs in the cluster")
        remote = ray.remote(num_cpus=cpus_per_worker, num_gpus=gpus_per_worker, max_restarts=2, max_task_retries=2)
        actors = [remote(ShardWorker).remote(options) for _ in range(workers)]
        pool = ActorPool(actors)
        yield from pool.map_unordered(lambda actor, shard: actor.run.remote(shard), list(shards))
    finally:
        if started_here:
            ray.shutdown()
