#!/usr/bin/env bash
# Issue 34: run a command as if on a slower, AVX2-only processor: oneDNN and torch's kernels held
# to AVX2, fp32 (no bf16 units), and the process capped at QUOTA microseconds of CPU time per 10 ms
# (cgroup v1 CFS quota; needs root). `ideepcolor bench` names the cap in its machine line.
#
#   docs/recipes/slow_cpu.sh 9000 xvfb-run -a .venv/bin/ideepcolor bench --json slow.json
#
# On this project's 2-core Xeon, 9000 (0.9 CPUs) made the fast network's fp32 pass at 256 take
# 262-268 ms, as on the 2-core first-generation AMD EPYC of issue 34 (256-293 ms); 4000 made it
# 620 ms. Everything else slows down as much, which is more than that EPYC does (its 12 MP compose
# was 2x this Xeon's, not 4x): a pessimistic stand-in.
set -euo pipefail
quota="$1"
shift
group=/sys/fs/cgroup/cpu/ideepcolor-slow
mkdir -p "$group"
echo 10000 > "$group/cpu.cfs_period_us"
echo "$quota" > "$group/cpu.cfs_quota_us"
echo $$ > "$group/cgroup.procs"
exec env ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 IDEEPCOLOR_PRECISION=fp32 "$@"
