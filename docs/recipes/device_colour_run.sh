#!/usr/bin/env bash
# Issue 29, campaign run 1 on a lent GPU: fine-tune the bundled fast model with a rebalanced, soft-target
# distribution loss on colourful photos (train-128 + more-photos, packed by pack_for_device.py into
# .data/device/part-N, carried one part per call and gathered in /tmp/data), jointly with its
# global-hints branch. Usage on the device: device_colour_run.sh MINUTES BATCH [DATA...]
# Writes $OUT/fast.safetensors, fast.log.csv, train.log and the checkpoint split in 15 MiB parts.
set -uo pipefail
minutes=${1:-7}; batch=${2:-192}; shift 2 || true
data=("${@:-/tmp/data}")
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 TQDM_MININTERVAL=15
out=${OUT:-/tmp/out}; run=/tmp/run; mkdir -p "$out" "$run"
hard=$(python3 -c "print(int($minutes * 60 + 75))")
timeout -s TERM "$hard" python3 -m ideepcolor_app train "${data[@]}" \
  --init weights/ideepcolor-fast.safetensors --global-hints --chroma-weight 1 \
  --rebalance 0.5 --min-colourfulness 15 \
  --crop 112 --upscale 1.75 --sharp-share 0.5 --batch "$batch" --lr 1.5e-3 --warmup-steps 300 \
  --hint-recipe density --regression-loss log-mse --regression-weight 1 --ema 0.999 \
  --minutes "$minutes" --schedule-minutes "$minutes" --checkpoint-minutes 3 --log-every 50 \
  --out "$run/fast.safetensors" 2>&1 | tee "$out/train.log" | tr '\r' '\n' | grep -v '^Training\|^Decoding' | tail -40
cp "$run"/fast.safetensors "$run"/fast.log.csv "$out"/ 2>/dev/null
[ -f "$run/fast.ckpt" ] && split -b 15M "$run/fast.ckpt" "$out/fast.ckpt.part-"
ls -la "$out"
