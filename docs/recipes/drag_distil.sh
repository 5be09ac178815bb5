#!/usr/bin/env bash
# Issue 34: a 1/8-width drag network distilled from the bundled fast one on this CPU (one thread,
# niced, beside other work). Rerun the script to resume after any stop; weights, log and checkpoint
# go to runs/drag/ (ignored by git).  Usage: docs/recipes/drag_distil.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes="${1:-85}"
resume=""
[ -f runs/drag/drag.ckpt ] && resume="--resume"
OMP_NUM_THREADS=1 nice -n 10 .venv/bin/ideepcolor train ../shared/datasets/train-128/ \
  --teacher weights/ideepcolor-fast.safetensors --width 0.125 --global-hints \
  --hint-recipe density --recolour-share 0.2 --crop 96 --upscale 1.5 --sharp-share 0.5 \
  --batch 32 --lr 1e-3 --warmup-steps 200 --regression-loss log-mse --regression-weight 1 --ema 0.998 \
  --schedule-minutes "$minutes" --minutes "$minutes" --checkpoint-minutes 5 --log-every 20 \
  --out runs/drag/drag.safetensors $resume
