import numpy as np

from ideepcolor_app.evaluation.bench import naive_update, sample_hints, summary, synthetic_photo
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.photos.images import Photo


def test_optimised_update_matches_the_naive_reference_path(echo_weights):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (300, 410, 3), dtype=np.uint8)  # colour noise: every kind of L
    photo = Photo(None, pixels, "0" * 64, True)  # type: ignore[arg-type]
    engine = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    engine.set_photo(photo)
    hints = sample_hints(photo.size, count=12)
    fast = engine.colorize(hints).full_resolution_rgb().astype(int)
    naive = naive_update(engine.best, pixels, hints).astype(int)
    # The naive path truncates to 8 bits as the reference GUI did; ours rounds: one level apart at most.
    assert np.abs(fast - naive).max() <= 1


def test_synthetic_photo_and_summary():
    photo = synthetic_photo((64, 48))
    assert photo.pixels.shape == (48, 64, 3) and not photo.is_color
    s = summary([0.003, 0.001, 0.002, 0.010])
    assert s["median_ms"] == 2.5 and s["p95_ms"] == 10.0 and s["runs"] == 4


def test_steal_is_the_share_of_cpu_time_the_host_took():
    from ideepcolor_app.evaluation.bench import cpu_counters, steal_percent, table

    #          user nice system idle iowait irq softirq steal guest
    before = (1000, 0, 200, 5000, 10, 0, 5, 100, 0)
    after = (1600, 0, 300, 5200, 10, 0, 5, 200, 50)  # 1000 ticks spent, 100 of them stolen
    assert steal_percent(before, after) == 10.0
    assert steal_percent(None, after) is None and steal_percent(before, before) is None
    counters = cpu_counters()
    assert counters is None or len(counters) >= 8
    results = {
        "device": "CPU",
        "torch": "2",
        "threads": 2,
        "compute_floor_ms": 600.0,
        "matmul_gflops": 250.0,
        "conv_gflops": 400.0,
        "precision": "bf16",
        "cpu_has_bf16": True,
        "fast_forward_256": {"median_ms": 25.0, "p95_ms": 27.0},
        "fast_forward_256_fp32": {"median_ms": 60.0, "p95_ms": 62.0},
        "fast_forward_256_bf16": {"median_ms": 25.0, "p95_ms": 27.0},
        "fast_forward_256_bf16_of_fp32": 25.0 / 60.0,
        "forward_256": {"median_ms": 700.0, "p95_ms": 750.0, "of_compute_floor": 1.2},
        "speedup_vs_naive": 5.0,
        "gui_drag": {"seconds": 5.0, "worst_stall_ms": 80.0, "updates_per_second": 7.0, "cpu_steal_percent": 15.0},
        "gui_open_12mp": {
            "opens": 3,
            "worst_stall_ms": 31.5,
            "grey_shown_ms": 410.0,
            "first_result_ms": 1300.0,
            "cpu_steal_percent": 0.5,
        },
        "memory_24mp": {"peak_rss_mib": 900.0},
        "cpu_steal_percent": 4.0,
    }
    shown = table(results)
    assert "precision: bf16 (bf16 units: yes)" in shown
    assert "400 GFLOP/s on the network's 3x3 convolutions in its precision" in shown
    assert "the same in fp32" in shown and "fast network forward, bf16 / fp32: 0.42x" in shown
    assert "open 12 MP JPEG (3 opens): worst event-loop stall 31.5 ms, grey photo shown after 410 ms, " in shown
    assert "sample photo: worst event-loop stall 80.0 ms, 7.0 updates shown/s (host steal 15.0% meanwhile)" in shown
    assert "whole run: 4.0%" in shown


def test_bench_names_the_machine_class_and_the_drag_it_chose(untrained_fast_weights, monkeypatch):
    """Figures from different processors are never read as one: the header names the vector unit,
    and the drag side this machine gets is measured on the engine and reported beside its PSNR."""
    import torch

    from ideepcolor_app.evaluation.bench import describe_machine, drag_rows, machine_class, table
    from ideepcolor_app.inference.network import Network

    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    machine = machine_class()
    assert machine["isa"] in {"AMX", "AVX-512 BF16", "AVX-512", "AVX2", "no AVX2", "unknown"}
    assert machine["threads"] == torch.get_num_threads()
    assert "oneDNN limited to AVX2" in describe_machine(machine)

    engine = ColorizationEngine([Network.from_file(untrained_fast_weights, torch.device("cpu"))], torch.device("cpu"))
    source = engine.set_photo(synthetic_photo((640, 480)))
    rows = drag_rows(engine, source, sample_hints((640, 480)))
    plan = rows["drag_plan"]
    assert engine.drag_size == plan["side"] and str(plan["side"]) in plan["measured_ms"]
    psnr = rows["drag_psnr_vs_rest_db"]
    assert (psnr is None) == (plan["side"] == 256) and (psnr is None or psnr > 10)
    assert engine.current.photo is source.photo, "the benchmark's photo is back in place"
    results = {
        "machine": machine,
        "device": "CPU",
        "torch": "2",
        "threads": 2,
        "compute_floor_ms": 600.0,
        "matmul_gflops": 250.0,
        "forward_256": {"median_ms": 700.0, "p95_ms": 750.0, "of_compute_floor": 1.2},
        "speedup_vs_naive": 5.0,
        "memory_24mp": {"peak_rss_mib": 900.0},
        **rows,
    }
    shown = table(results)
    assert shown.splitlines()[0].startswith(f"machine: {machine['cpu_model']} ({machine['isa']}")
    assert f"drag preview at {plan['side']} px" in shown and "the result at rest" in shown


def test_bench_times_an_update_with_a_stroke_and_with_a_lasso(echo_engine):
    import torch

    from ideepcolor_app.evaluation.bench import painting_rows, sample_hints

    rows = painting_rows(echo_engine, sample_hints((300, 200), 5), torch.device("cpu"), 2)
    assert set(rows) == {"update_with_stroke", "update_with_lasso", "update_with_hinted_lasso"}
    assert all(row["median_ms"] > 0 for row in rows.values())


def test_the_machine_line_names_a_cpu_cap_of_either_control_group_version(tmp_path):
    from ideepcolor_app.evaluation.bench import cpu_quota, describe_machine

    groups = tmp_path / "cgroup"
    groups.write_text("4:memory:/x\n1:cpu,cpuacct:/slow\n0::/\n")
    (tmp_path / "cpu" / "slow").mkdir(parents=True)
    (tmp_path / "cpu" / "slow" / "cpu.cfs_quota_us").write_text("4000\n")
    (tmp_path / "cpu" / "slow" / "cpu.cfs_period_us").write_text("10000\n")
    assert cpu_quota(tmp_path, groups) == 0.4
    (tmp_path / "cpu" / "slow" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cpu_quota(tmp_path, groups) is None, "no cap"
    groups.write_text("0::/box\n")
    (tmp_path / "box").mkdir()
    (tmp_path / "box" / "cpu.max").write_text("150000 100000\n")
    assert cpu_quota(tmp_path, groups) == 1.5
    machine = {"cpu_model": "X", "isa": "AVX2", "torch_cpu_capability": "AVX2", "threads": 2, "cpu_quota": 1.5}
    assert describe_machine(machine).endswith("2 threads, capped at 1.50 CPUs")


def test_bench_times_variations_of_a_real_photo_and_says_how_many_it_made(tmp_path):
    import torch

    from ideepcolor_app.evaluation.bench import variation_rows
    from ideepcolor_app.inference.engine import ColorizationEngine
    from weights_factory import make_two_minded_weights

    engine = ColorizationEngine.from_weights(str(make_two_minded_weights(tmp_path / "two.safetensors")), "cpu")
    rows = variation_rows(engine, torch.device("cpu"), quick=True)
    assert rows["variations_made"] == 6, "the cat offers a full set (a synthetic texture offered none)"
    assert rows["variations_6_full_12mp"]["median_ms"] > rows["variations_6_thumbnails_12mp"]["median_ms"] > 0
