#!/usr/bin/env bash
# Issue 18: train the global-hints branch on the frozen bundled fast model (one core, resumable),
# evaluate it and write the bundled file. Run from anywhere; results go to runs/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p runs/global
RESUME=""
[ -f runs/global/g1.ckpt ] && RESUME="--resume"
OMP_NUM_THREADS=1 ideepcolor train ../shared/datasets/train-128/part-*.tar \
  --init weights/ideepcolor-fast.safetensors --global-only --chroma-weight 1 \
  --crop 96 --upscale 1.5 --sharp-share 0.5 --batch 32 --lr 1e-3 --warmup-steps 100 \
  --hint-recipe density --regression-loss log-mse --regression-weight 1 --ema 0.998 \
  --schedule-minutes 95 --minutes 95 --checkpoint-minutes 4 --log-every 20 \
  --out runs/global/g1.safetensors $RESUME
ideepcolor evaluate ../shared/datasets/dev-eval --weights runs/global/g1.safetensors \
  --global-hints saturation,histogram,both --json runs/global/g1-eval.json | tee runs/global/g1-eval.txt
python docs/recipes/bundle_global.py runs/global/g1.safetensors runs/global/g1-eval.json \
  weights/ideepcolor-fast.safetensors runs/global/ideepcolor-fast.safetensors
# then, after checking runs/global/ideepcolor-fast.safetensors: copy it over weights/ideepcolor-fast.safetensors
