#!/usr/bin/env bash
# Issue #15's runs, one at a time, in order of value; every step is resumable (per-epoch checkpoints under
# work-tmp/, finished runs cached as JSON under docs/results/), so rerunning this script continues where it
# stopped. Each finished run's JSON is committed on the current branch. Run it detached:
#   setsid nohup nice -n 19 bash scripts/pretrain-queue.sh >> work-tmp/logs/queue.log 2>&1 &
# Order: MAE pretraining (database images, 20 epochs); a small epoch grid for single_loss from the pretrained
# start with a held-out learning curve (picks EPOCHS for every method); 64 bits, seed 0, every trained method
# from the pretrained start over seeds 0-2 at 64, 32 and 16 bits; then the same cells from random init.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=src PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1
PY=/usr/bin/python3
METHODS="${METHODS:-single_loss asymmetric greedyhash csq dpsh}"
PRE=work-tmp/pretrain-mae-database-20ep-seed0
say() { echo "[queue $(date -u +%H:%M:%S)] $*"; }
commit() {  # commit the given result files and the regenerated docs/RESULTS.md (retry while git is busy)
  $PY -m vithash report >/dev/null 2>&1 || say "report failed"
  for _ in 1 2 3 4 5; do
    git add -- "$@" docs/RESULTS.md && git commit -q -m "$COMMIT_MSG" -- "$@" docs/RESULTS.md && return 0
    sleep 5
  done
  say "could not commit $*"
}

while [ ! -f "$PRE/backbone.pt" ] && pgrep -f "vithash pretrain --train-set database --epochs 20" >/dev/null; do
  sleep 30  # an earlier pretraining process of the same run is still going: let it finish
done
if [ ! -f "$PRE/backbone.pt" ]; then
  say "pretraining (resumes from its last epoch if interrupted)"
  $PY -m vithash pretrain --train-set database --epochs 20 --seed 0 || exit 1
fi
mkdir -p docs/results/pretrain
if [ ! -f docs/results/pretrain/mae-database-20ep-seed0.json ]; then  # a rerun (fresh machine) keeps the first run's cost
  cp "$PRE/pretrain.json" docs/results/pretrain/mae-database-20ep-seed0.json
  COMMIT_MSG="results: MAE pretraining of the default backbone on the database images (cost, k-NN before/after)" \
    commit docs/results/pretrain/mae-database-20ep-seed0.json
fi

# First the issue's probe setting in project code: single_loss, 64 bits, 15 epochs from the pretrained start.
if [ ! -f docs/results/pretrained-15ep/single_loss-64.json ]; then
  say "single_loss 64 bits, 15 epochs from the pretrained start (the issue's probe setting)"
  $PY -m vithash evaluate-all --methods single_loss --bits 64 --seeds 0 --epochs 15 --init-from "$PRE/backbone.pt" \
      --results docs/results/pretrained-15ep --report docs/results/pretrained-15ep/REPORT.md || exit 1
  COMMIT_MSG="results: single_loss 64 bits, 15 epochs from the MAE start (the issue's probe setting)" \
    commit docs/results/pretrained-15ep
fi

# Epoch grid for the pretrained start: single_loss, 64 bits, 500 training images held out (learning curve).
mkdir -p docs/results/curves
for e in 15 30 45; do
  out=docs/results/curves/single_loss-64-pretrained-${e}ep.json
  [ -f "$out" ] && continue
  say "learning curve: single_loss 64 bits, $e epochs, from the pretrained start"
  $PY -m vithash train --method single_loss --bits 64 --epochs "$e" --holdout 500 --init-from "$PRE/backbone.pt" \
      --name "curve-single_loss-64-pre-${e}ep" || exit 1
  cp "work-tmp/curve-single_loss-64-pre-${e}ep/result.json" "$out"
  COMMIT_MSG="results: held-out learning curve, single_loss 64 bits from the MAE start, $e epochs" commit "$out"
done
# The shortest schedule whose final held-out mAP is within 0.005 of the best one.
EPOCHS=${EPOCHS:-$($PY - <<'PYEOF'
import json
runs = {e: json.load(open(f"docs/results/curves/single_loss-64-pretrained-{e}ep.json")) for e in (15, 30, 45)}
final = {e: r["learning_curve"][-1]["holdout_map_all"] for e, r in runs.items()}
print(min(e for e in final if final[e] >= max(final.values()) - 0.005))
PYEOF
)}
say "schedule: $EPOCHS epochs for every method"

run_cell() {  # bits seed start(pretrained|scratch)
  local bits=$1 seed=$2 start=$3 dir=docs/results/${3}-${EPOCHS}ep init=()
  [ "$start" = pretrained ] && init=(--init-from "$PRE/backbone.pt")
  for m in $METHODS; do
    local name="$m-$bits" ; [ "$seed" != 0 ] && name="$name-seed$seed"
    [ -f "$dir/$name.json" ] && continue
    say "$start $m $bits bits seed $seed"
    $PY -m vithash evaluate-all --methods "$m" --bits "$bits" --seeds "$seed" --epochs "$EPOCHS" "${init[@]}" \
        --results "$dir" --report "$dir/REPORT.md" || exit 1
    COMMIT_MSG="results: $m $bits bits seed $seed, $EPOCHS epochs from the $start start" commit "$dir"
  done
}
# Ablations from the pretrained start at the same schedule: one method, one hyperparameter, the values to try (the
# default is the method's own run); at SWEEP_BITS (default 64) and SWEEP_SEEDS (default 0).
run_sweep() {  # method key value...
  local m=$1 key=$2; shift 2
  for bits in ${SWEEP_BITS:-64}; do
    for seed in ${SWEEP_SEEDS:-0}; do
      for w in "$@"; do
        local dir=docs/results/ablations/$m-$key-$w-pretrained-${EPOCHS}ep name="$m-$bits"
        [ "$seed" != 0 ] && name="$name-seed$seed"
        [ -f "$dir/$name.json" ] && continue
        say "ablation: $m $bits bits seed $seed, $key=$w"
        $PY -m vithash evaluate-all --methods "$m" --bits "$bits" --seeds "$seed" --epochs "$EPOCHS" \
            --init-from "$PRE/backbone.pt" --set "$m.$key=$w" --results "$dir" --report "$dir/REPORT.md" || exit 1
        COMMIT_MSG="results: ablation, $m $bits bits seed $seed with $key=$w, $EPOCHS epochs from the pretrained start" \
          commit "$dir"
      done
    done
  done
}
# asymmetric: the classification-loss weight in the network step (default 100; 0 is the pure ADSH network step).
# single_loss: one objective against the same aims as separate terms (OrthoHash's optional quantization term with
# weight w; 0 is the method).
run_ablations() {
  run_sweep asymmetric net_cls_weight 0 10 1000
  run_sweep single_loss quantization_weight 0.1 1
}

# Every method's three seeds from the pretrained start first (the comparison the targets name; the ablation after the
# 64-bit cells), then the same cells from random initialisation.
for start in pretrained scratch; do
  for bits in 64 32 16; do
    for seed in 0 1 2; do
      run_cell "$bits" "$seed" "$start"
    done
    [ "$start$bits" = pretrained64 ] && run_ablations
    # single_loss with OrthoHash's far-apart ("O") codebook, every length and seed: where Bernoulli codewords put
    # two classes a few bits apart (3 at 16 bits), the short codes lose most to GreedyHash
    [ "$start$bits" = pretrained16 ] && SWEEP_BITS="16 32 64" SWEEP_SEEDS="0 1 2" run_sweep single_loss codebook O
  done
done
say "queue finished"
