#!/usr/bin/env bash
# Issue 29, campaign run 2 on a lent GPU: continue version 2 (the bundled fast model) with the same
# rebalanced, soft-target loss on the same 51,939 colourful photos (pack_for_device.py, carried one
# part per call into /tmp/data), at batch 512 and a cosine that runs over SCHEDULE training minutes
# across two calls. The first call starts from the bundled weights; a call that finds /tmp/run/fast.ckpt
# (the machine still warm) resumes it. The run stops itself at STOP_AT seconds after the call began.
# Usage on the device: device_colour_run2.sh STOP_AT SCHEDULE_MINUTES [BATCH] [LR]
# Writes $OUT/fast.safetensors, fast.log.csv, train.log and the checkpoint split in 15 MiB parts.
set -uo pipefail
stop_at=${1:-540}; schedule=${2:-11}; batch=${3:-512}; lr=${4:-1e-3}
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 TQDM_MININTERVAL=20
out=${OUT:-/tmp/out}; run=/tmp/run; data=${DATA:-/tmp/data}; mkdir -p "$out" "$run"
start=(--init weights/ideepcolor-fast.safetensors)
[ -f "$run/fast.ckpt" ] && start+=(--resume)
# SIGTERM makes the trainer finish its step, checkpoint and export: the run ends annealed or not, never lost
timeout -s TERM "$((stop_at - SECONDS))" python3 -m ideepcolor_app train "$data" "${start[@]}" \
  --global-hints --chroma-weight 1 --rebalance 0.5 --min-colourfulness 15 \
  --crop 112 --upscale 1.75 --sharp-share 0.5 --batch "$batch" --lr "$lr" --warmup-steps 200 \
  --hint-recipe density --regression-loss log-mse --regression-weight 1 --ema 0.999 \
  --minutes 60 --schedule-minutes "$schedule" --checkpoint-minutes 2 --log-every 50 \
  --out "$run/fast.safetensors" 2>&1 | tee -a "$out/train.log" | tr '\r' '\n' | grep -v '^Training\|^Decoding' | tail -30
cp "$run"/fast.safetensors "$run"/fast.log.csv "$out"/ 2>/dev/null
[ -f "$run/fast.ckpt" ] && split -b 15M "$run/fast.ckpt" "$out/fast.ckpt.part-"
ls -la "$out"
