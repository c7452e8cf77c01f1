#!/usr/bin/env bash
# Rebuilds radflag's two default models exactly as shipped in models/:
# generates the synthetic corpus (never testdata/eval), trains each task's
# transformer, evaluates it on the held-out hand-written sets, and copies the
# model directories into models/. Takes about 40 minutes on 2 CPU cores.
#   scripts/train-models.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
go build -o "$work/radflag" ./cmd/radflag
rf="$work/radflag"
for spec in pancreas:101 ir_procedure:201; do
  task=${spec%%:*}; seed=${spec##*:}
  "$rf" synth --task "$task" --n 10000 --seed "$seed" --out "$work/${task}_train.jsonl"
  "$rf" synth --task "$task" --n 1000 --seed $((seed + 1)) --out "$work/${task}_val.jsonl"
  start=$(date +%s)
  "$rf" train --task "$task" --data "$work/${task}_train.jsonl" --val "$work/${task}_val.jsonl" \
    --out "$work/model_$task" --seed 1 --epochs 3 --max-minutes 18 --max-tokens 128 --token-dropout 0.15 --ffn 256 \
    --lr 2e-3 --pooling mean --eval-every 50 --patience 2
  echo "$task: trained in $(( $(date +%s) - start )) s"
  "$rf" eval --task "$task" --model "$work/model_$task" --data "testdata/eval/$task.jsonl"
  rm -rf "models/$task.new" && cp -r "$work/model_$task" "models/$task.new"
  cp "models/$task/README.md" "models/$task.new/" 2>/dev/null || true
  rm -rf "models/$task" && mv "models/$task.new" "models/$task"
done
