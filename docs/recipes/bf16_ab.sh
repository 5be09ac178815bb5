#!/usr/bin/env bash
# Equal-time A/B of training precision: fp32 and bf16 side by side, one core each, same recipe, same minutes.
cd "$(dirname "$0")/../.."  # the repository root; results go to runs/, which git ignores
common="../shared/datasets/train-128/part-00.tar ../shared/datasets/train-128/part-01.tar --limit 4000 --width 0.25 \
 --hint-encoding lightness-fill --hint-recipe density --crop 96 --upscale 1.5 --batch 32 --lr 1e-3 --warmup-steps 100 \
 --regression-loss log-mse --regression-weight 1 --ema 0.998 --schedule-minutes 14 --minutes 14 --checkpoint-minutes 5"
OMP_NUM_THREADS=1 taskset -c 0 ideepcolor train $common --precision fp32 --out runs/ab/fp32.safetensors > runs/ab/fp32.out 2>&1 &
OMP_NUM_THREADS=1 taskset -c 1 ideepcolor train $common --precision bf16 --out runs/ab/bf16.safetensors > runs/ab/bf16.out 2>&1 &
wait
for p in fp32 bf16; do
  ideepcolor evaluate ../shared/datasets/dev-eval --hints 0,1,2,5,10,20,50,100 --weights runs/ab/$p.safetensors \
    --precision fp32 --json runs/ab/eval-$p.json > runs/ab/eval-$p.txt 2>&1
done
