#!/usr/bin/env bash
# Issue 29, the campaign's next step on a lent GPU: a "refine" network at half width that starts as
# version 2 (the bundled fast model widened with `train --widen 0.5`, computing exactly what it did)
# and learns with its loss on the same photos (pack_for_device.py parts, carried one per call into
# /tmp/data). Four times the fast model's channels squared: the capacity the heads on its frozen
# features showed it lacks (docs/training.md). The first call widens; a call that finds
# /tmp/run/refine.ckpt (the machine still warm) resumes it. The run stops itself STOP_AT seconds
# after the call began, its cosine spread over SCHEDULE training minutes across calls.
# Usage on the device: device_refine_run.sh STOP_AT SCHEDULE_MINUTES [BATCH] [LR]
# Writes $OUT/refine.safetensors.part-* (the fp32 weights, 36 MB, in 15 MiB parts: `cat` them),
# refine.log.csv and train.log: 5 files of the 8 a call brings back. The checkpoint (142 MB with its
# EMA and optimiser) stays in /tmp/run for a resume while the machine is warm; it cannot come back.
# Dry-run on a CPU first, e.g.
#   PATH=.venv/bin:$PATH DATA=.data/train-clean OUT=/tmp/refine-out bash docs/recipes/device_refine_run.sh 90 1 16
set -uo pipefail
stop_at=${1:-540}; schedule=${2:-11}; batch=${3:-256}; lr=${4:-1e-3}
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 TQDM_MININTERVAL=20
out=${OUT:-/tmp/out}; run=${RUN:-/tmp/run}; data=${DATA:-/tmp/data}; mkdir -p "$out" "$run"
start=(--init weights/ideepcolor-fast.safetensors --widen 0.5)
[ -f "$run/refine.ckpt" ] && start+=(--resume)
# SIGTERM makes the trainer finish its step, checkpoint and export: the run ends annealed or not, never lost
timeout -s TERM "$((stop_at - SECONDS))" python3 -m ideepcolor_app train "$data" "${start[@]}" \
  --global-hints --chroma-weight 1 --rebalance 0.5 --min-colourfulness 15 \
  --crop 112 --upscale 1.75 --sharp-share 0.5 --batch "$batch" --lr "$lr" --warmup-steps 200 \
  --hint-recipe density --regression-loss log-mse --regression-weight 1 --ema 0.999 \
  --minutes 60 --schedule-minutes "$schedule" --checkpoint-minutes 2 --log-every 50 \
  --out "$run/refine.safetensors" 2>&1 | tee -a "$out/train.log" | tr '\r' '\n' | grep -v '^Training\|^Decoding' | tail -30
cp "$run"/refine.log.csv "$out"/ 2>/dev/null
[ -f "$run/refine.safetensors" ] && split -b 15M "$run/refine.safetensors" "$out/refine.safetensors.part-"
ls -la "$out"
