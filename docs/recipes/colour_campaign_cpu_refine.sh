#!/usr/bin/env bash
# Issue 29, the CPU leg of the refine campaign (resumable): the half-width network, started as version 2
# widened (`train --widen 0.5`), learns with version 2's loss and recipe on this machine's cores between
# sessions. Heads on version 2's frozen features showed its colour knowledge is short of capacity, and
# more steps of the quarter width did not help (docs/training.md), so CPU hours go to the wider one.
# Data: train-128 without the 232 BSDS500 train/val photos (docs/recipes/clean_train128.py
# ../shared/datasets/train-128 .data/train-clean) and more-photos (.data/more-photos, built as its README says).
# Usage: colour_campaign_cpu_refine.sh [MINUTES [SCHEDULE]] (THREADS=1 leaves a core free).
# Rerun to resume after any stop; the cosine runs over SCHEDULE minutes of training in all (default
# 1200: sessions add to one run rather than each ending its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-80}; schedule=${2:-1200}; threads=${THREADS:-2}
resume=""
[ -f runs/refine/refine.ckpt ] && resume="--resume"
mkdir -p runs/refine
OMP_NUM_THREADS=$threads nice -n 10 .venv/bin/ideepcolor train .data/train-clean .data/more-photos \
  --init weights/ideepcolor-fast.safetensors --widen 0.5 --global-hints --chroma-weight 1 \
  --rebalance 0.5 --min-colourfulness 15 \
  --crop 112 --upscale 1.75 --sharp-share 0.5 --batch 32 --lr 3e-4 --warmup-steps 100 \
  --hint-recipe density --regression-loss log-mse --regression-weight 1 --ema 0.999 \
  --schedule-minutes "$schedule" --minutes "$minutes" --checkpoint-minutes 5 --log-every 20 \
  --out runs/refine/refine.safetensors $resume
