#!/usr/bin/env bash
# Reach and PSNR of the bundled fast model with a grey prior weight W0 in its fill, without retraining.
cd "$(dirname "$0")/../.."  # the repository root; results go to runs/, which git ignores
mkdir -p runs/reach
for w in 0 3e-7 1e-6; do
  ideepcolor evaluate ../shared/datasets/dev-eval --limit 40 --hints 0,1,2,5,10,50,100 --fill-prior-weight $w \
    --json runs/reach/w0-$w.json > runs/reach/w0-$w.txt 2>&1
done
