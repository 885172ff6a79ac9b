#!/usr/bin/env bash
# One sitting of the speed comparison: EncDec's `bench train` and `bench decode` and the matching PyTorch peer
# scripts back to back (optionally `bench gemm` and sgemm.py), then the EncDec / PyTorch ratios and peak RSS.
# Run it from anywhere on an otherwise idle machine; the JSON lines are kept in OUT/results.jsonl.
#
#   bench/peer/run-all.sh [--steps N] [--warmup N] [--reps N] [--gemm] [--only train|decode|gemm] [--out DIR]
#
# --steps/--warmup go to both training benches (EncDec uses at least 20 and 3), --reps to both decoding benches,
# --gemm adds the GEMM pair, --only runs one pair. --smoke is for checking this script: tiny peer runs and a tiny
# decode on both sides (EncDec's training bench still runs its minimum of 23 steps); its numbers mean nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py=/usr/bin/python3
steps=20 warmup=3 reps=1 gemm=0 only="" smoke=0 out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --gemm) gemm=1; shift ;;
    --only) only="$2"; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|train|decode|gemm) ;; *) echo "error: --only: expected train, decode or gemm, got '$only'" >&2; exit 2 ;; esac
[[ $only == gemm ]] && gemm=1
wants() { [[ -z $only || $only == "$1" ]]; }
peer_train=(--steps "$steps" --warmup "$warmup") decode=(--reps "$reps")
if [[ $smoke == 1 ]]; then peer_train=(--steps 2 --warmup 1); decode=(--sents 4 --batch 2); fi
out="${out:-$root/runs/peer-sitting-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"

if ! "$py" -c "import torch, numpy" 2>/dev/null; then
  echo "error: $py cannot import torch: apt-get install -y python3-torch python3-numpy python3-sentencepiece" >&2
  exit 1
fi

# AVX-512 kernels: OpenBLAS and PyTorch only use them when told to on some CPUs (e.g. AMD Zen 4/5); on a CPU
# without AVX-512 these settings would crash (illegal instruction), so they are set only where the CPU has it.
peer_env=(OMP_WAIT_POLICY=PASSIVE)
encdec_env=()
if grep -qw avx512f /proc/cpuinfo; then
  peer_env+=(OPENBLAS_CORETYPE=SkylakeX ATEN_CPU_CAPABILITY=avx512)
  encdec_env+=(OPENBLAS_CORETYPE=SkylakeX)
else
  echo "# note: this CPU has no AVX-512; running without OPENBLAS_CORETYPE/ATEN_CPU_CAPABILITY" >&2
fi

log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*" >&2; }
encdec() { log "encdec bench $*"; env "${encdec_env[@]}" dotnet run -c Release --no-build --project "$root/bench/EncDec.Bench" -- "$@" | tee -a "$results"; }
peer() { log "peer $*"; env "${peer_env[@]}" "$py" "$here/$1" "${@:2}" | tee -a "$results"; }

log "building EncDec.Bench (Release)"
if ! dotnet build "$root/bench/EncDec.Bench" -c Release -nologo -v q > "$out/build.log" 2>&1; then
  tail -n 20 "$out/build.log" >&2; echo "error: the build failed (log: $out/build.log)" >&2; exit 1
fi

if wants train; then
  encdec train --steps "$steps" --warmup "$warmup"
  peer transformer_train.py "${peer_train[@]}"
  peer lstm_train.py "${peer_train[@]}"
fi
if wants decode; then
  encdec decode "${decode[@]}"
  peer transformer_decode.py "${decode[@]}"
fi
if [[ $gemm == 1 ]] && wants gemm; then
  if [[ $smoke == 1 ]]; then encdec gemm --quick; peer sgemm.py --quick; else encdec gemm; peer sgemm.py; fi
fi
log "done; results in $results"

echo
"$py" "$here/ratios.py" "$results" | tee "$out/ratios.txt"
