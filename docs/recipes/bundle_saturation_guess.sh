#!/usr/bin/env bash
# Issue 29: give the bundled fast model its saturation guess (docs/training.md, "A guessed saturation").
# Fits on train-128 without the 232 BSDS500 train/val photos (held out to choose the settings); about
# 7 minutes on 2 cores (the conv4 summaries of 31,302 photos), then the closed-form ridge fit.
# The shrink (0.96, the default) was chosen on the held-out photos, compared with
#   ideepcolor evaluate runs/bsds-train --weights OUT [--no-saturation-guess]
set -euo pipefail
shared=${SHARED:-../shared}
out=${1:-weights/ideepcolor-fast.safetensors}
ideepcolor weights guess-saturation weights/ideepcolor-fast.safetensors "$out" \
  "$shared"/datasets/train-128/part-*.tar --skip-source bsds500-trainval
ideepcolor evaluate "$shared"/datasets/dev-eval --weights "$out"
