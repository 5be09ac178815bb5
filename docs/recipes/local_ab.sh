#!/usr/bin/env bash
# Issue 22 fine-tune, fp32 and bf16 side by side for the same minutes (one core each): the bundled fast
# model fine-tuned on a fill with a grey prior weight W0 and with off-colour (recoloured) hints.
# Usage: docs/recipes/local_ab.sh W0 MINUTES
cd "$(dirname "$0")/../.."  # the repository root; results go to runs/, which git ignores
w0=$1; minutes=$2
mkdir -p runs/local
common="../shared/datasets/train-128/part-00.tar ../shared/datasets/train-128/part-01.tar \
 ../shared/datasets/train-128/part-02.tar ../shared/datasets/train-128/part-03.tar --limit 8000 \
 --init weights/ideepcolor-fast.safetensors --fill-prior-weight $w0 --recolour-share 0.5 \
 --crop 96 --upscale 1.5 --sharp-share 0.5 --batch 32 --lr 3e-4 --warmup-steps 100 --hint-recipe density \
 --regression-loss log-mse --regression-weight 1 --ema 0.998 --schedule-minutes $minutes --minutes $minutes \
 --checkpoint-minutes 5"
OMP_NUM_THREADS=1 taskset -c 0 ideepcolor train $common --precision fp32 --out runs/local/fp32.safetensors > runs/local/fp32.out 2>&1 &
OMP_NUM_THREADS=1 taskset -c 1 ideepcolor train $common --precision bf16 --out runs/local/bf16.safetensors > runs/local/bf16.out 2>&1 &
wait
