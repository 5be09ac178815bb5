#!/usr/bin/env bash
# Issue 29, campaign run 2 (CPU, one thread, resumable): polish the GPU run's weights at a low learning
# rate on the same packed photos. Rerun this script to resume after any stop.
set -euo pipefail
cd "$(dirname "$0")/../.."
resume=""
[ -f runs/cpu2/fast.ckpt ] && resume="--resume"
OMP_NUM_THREADS=1 nice -n 10 .venv/bin/ideepcolor train .data/device \
  --init weights/ideepcolor-fast.safetensors --global-hints --chroma-weight 1 \
  --rebalance 0.5 --min-colourfulness 15 \
  --crop 112 --upscale 1.75 --sharp-share 0.5 --batch 32 --lr 2e-4 --warmup-steps 50 \
  --hint-recipe density --regression-loss log-mse --regression-weight 1 --ema 0.999 \
  --schedule-minutes 600 --minutes 150 --checkpoint-minutes 5 --log-every 20 \
  --out runs/cpu2/fast.safetensors $resume
