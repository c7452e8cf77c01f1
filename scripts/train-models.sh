#!/usr/bin/env bash
# Rebuilds radflag's two default models exactly as shipped in models/:
# generates the synthetic corpus (never testdata/eval, dev or holdout),
# trains each task's transformer and its n-gram companion on the same
# reports, scores the pair on the hand-written development set
# (testdata/dev, the only set used to choose between recipes), and copies
# the model directories into models/.
#   pancreas: 1,000 steps, 24 minutes on 2 CPU cores, measured with the
#     ir_procedure run alongside (1.4 s a step, a validation on 300
#     synthetic reports every 100), 14 s of it the companion; the 29-minute bound on
#     the loop keeps a slower machine within the 30-minute target, at the
#     price of stopping early and averaging fewer checkpoints than the
#     shipped model.
#   ir_procedure: 1,200 steps, 29 minutes (17 s the companion); 1,000 steps
#     scored 0.941 on dev against 0.970, so the shipped model keeps 1,200
#     (the 45-minute bound only guards against a much slower machine).
# The validation sets are synthetic and score 0.99-1.00 after a few hundred
# steps: they only report progress (the weights are the average of the
# second half's checkpoints, not the best validation), so 300 reports are
# enough and their size does not change the weights.
#   scripts/train-models.sh [WORKDIR]
# The held-out sets (testdata/eval, testdata/holdout) are scored separately,
# once per shipped model, with the commands in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
go build -o "$work/radflag" ./cmd/radflag
rf="$work/radflag"
for spec in pancreas:101:${PANCREAS_TOKEN_DROPOUT:-0.15}:1000:29 ir_procedure:201:0.15:1200:45; do
  IFS=: read -r task seed td steps minutes <<<"$spec"
  "$rf" synth --task "$task" --n 30000 --seed "$seed" --out "$work/${task}_train.jsonl"
  "$rf" synth --task "$task" --n 300 --seed $((seed + 1)) --out "$work/${task}_val.jsonl"
  # HANDWRITTEN_COPIES=K (default 6, as shipped; 0 for none) appends K copies of the
  # hand-written training reports in corpus/handwritten (ids suffixed ~1..K,
  # since a data set's ids must be unique); see BENCHMARKS.md.
  for k in $(seq 1 "${HANDWRITTEN_COPIES:-6}"); do
    for f in corpus/handwritten/"$task"-*.jsonl; do
      [ -e "$f" ] || continue
      sed "s/\"id\": *\"\([^\"]*\)\"/\"id\": \"\1~$k\"/" "$f" >>"$work/${task}_train.jsonl"
    done
  done
  start=$(date +%s)
  # Whole-word vocabulary: a word the generator never used is [UNK] rather
  # than sub-word pieces that meant something else in its phrasing. The
  # synthetic validation set saturates (>= 0.99) early, so no early stopping:
  # the weights of the last half's validations are averaged instead.
  # --ngram-weight 0.5: the companion's share of the answer (chosen on dev).
  "$rf" train --task "$task" --data "$work/${task}_train.jsonl" --val "$work/${task}_val.jsonl" \
    --out "$work/model_$task" --seed 1 --max-steps "$steps" --max-minutes "$minutes" --max-tokens 128 \
    --token-dropout "$td" --ffn 256 --lr 2e-3 --pooling mean --eval-every 100 --patience 100 \
    --label-smoothing 0.1 --average-from 0.5 --whole-words --vocab 8000 --ngram-weight 0.5
  echo "$task: trained in $(( $(date +%s) - start )) s"
  "$rf" eval --task "$task" --model "$work/model_$task" --data "testdata/dev/$task.jsonl"
  rm -rf "models/$task.new" && cp -r "$work/model_$task" "models/$task.new"
  cp "models/$task/README.md" "models/$task.new/" 2>/dev/null || true
  rm -rf "models/$task" && mv "models/$task.new" "models/$task"
done
