#!/usr/bin/env bash
# Issue 29, campaign run 3 (CPU, resumable): teach version 2 the scale the app shows photos at.
# Version 2 learned on 112-px crops of 128-px photos (half enlarged 1.75x) and colours best when a photo
# is shown to it at 160 px, not the 256 the app uses (docs/training.md, "Hints at the scale the network
# learned"). This run fine-tunes it on crops enlarged 2x (objects as large as in a 256x256 frame) for
# three batches in four, at the original 128 px for the fourth, with version 2's loss.
# Data: train-128 without the 232 BSDS500 train/val photos (docs/recipes/clean_train128.py
# ../shared/datasets/train-128 .data/train-clean) and more-photos (.data/more-photos, built as its README says).
# Usage: colour_campaign_cpu3.sh [MINUTES [SCHEDULE]] (THREADS=1 leaves a core free).
# Rerun to resume after any stop; the cosine runs over SCHEDULE minutes of training in all.
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-80}; schedule=${2:-80}; threads=${THREADS:-2}
resume=""
[ -f runs/cpu3/fast.ckpt ] && resume="--resume"
OMP_NUM_THREADS=$threads nice -n 10 .venv/bin/ideepcolor train .data/train-clean .data/more-photos \
  --init weights/ideepcolor-fast.safetensors --global-hints --chroma-weight 1 \
  --rebalance 0.5 --min-colourfulness 15 \
  --crop 128 --upscale 2 --sharp-share 0.25 --batch 32 --lr 3e-4 --warmup-steps 100 \
  --hint-recipe density --regression-loss log-mse --regression-weight 1 --ema 0.999 \
  --schedule-minutes "$schedule" --minutes "$minutes" --checkpoint-minutes 5 --log-every 20 \
  --out runs/cpu3/fast.safetensors $resume
