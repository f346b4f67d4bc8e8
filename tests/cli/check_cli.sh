#!/usr/bin/env bash
# Command-line contract of `handgrad` (run by ctest with the binary as $1):
#   * `--help` works for the program and every subcommand (exit 0);
#   * bad option values and missing files exit non-zero with exactly one line on stderr that names
#     the option or the file.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$bin" --help > /dev/null || fail "handgrad --help"
subcommands=$("$bin" --help | awk '/^Subcommands:/{on=1; next} on && NF {print $1}')
[ -n "$subcommands" ] || fail "no subcommands listed by --help"
for sub in $subcommands; do
  "$bin" "$sub" --help > "$tmp/help" 2>&1 || fail "handgrad $sub --help exited non-zero"
  grep -q "Usage" "$tmp/help" || fail "handgrad $sub --help printed no usage"
done

# expect_error <expected exit code> <text the one stderr line must contain> -- <args...>
expect_error() {
  local code="$1" text="$2"
  shift 3
  "$bin" "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  local lines
  lines=$(wc -l < "$tmp/err")
  if [ "$rc" -ne "$code" ]; then fail "handgrad $* exited $rc, expected $code"; fi
  if [ "$lines" -ne 1 ]; then fail "handgrad $* wrote $lines lines to stderr (expected 1):"; cat "$tmp/err"; fi
  grep -qF -- "$text" "$tmp/err" || { fail "handgrad $*: stderr does not mention '$text':"; cat "$tmp/err"; }
}

expect_error 2 "--epochs" -- pretrain --data "$tmp" --name x --epochs 0
expect_error 2 "--epochs" -- pretrain --data "$tmp" --name x --epochs abc
expect_error 2 "--method" -- pretrain --data "$tmp" --name x --method byol
expect_error 2 "--amp" -- finetune --data "$tmp" --name x --amp fp8
expect_error 2 "--labels" -- finetune --data "$tmp" --name x --labels 1.5
expect_error 2 "--mode" -- finetune --data "$tmp" --name x --mode partial
# --labels: a fraction in (0, 1] or a percentage in (0%, 100%] (parse_fraction_or_percent)
for bad in 0% 150% abc 10%% 0 -0.1; do
  expect_error 2 "--labels: '$bad'" -- finetune --data "$tmp" --name x --labels "$bad"
done
expect_error 2 "(allowed: a fraction in (0, 1] or a percentage in (0%, 100%]" -- finetune --data "$tmp" --name x --labels 150%
expect_error 2 "--labels: '150%'" -- demo --out "$tmp/demo" --labels 150%
expect_error 2 "--labels: 'abc'" -- demo --out "$tmp/demo" --labels abc
[ ! -e "$tmp/demo" ] || fail "demo with a bad --labels created its output folder"
echo '{"labels": "150%"}' > "$tmp/labels.json"
expect_error 2 "labels: '150%'" -- finetune --config "$tmp/labels.json" --data "$tmp" --name x
# A good percentage passes the option checks: the run then stops at the missing data folder.
expect_error 1 "$tmp/missing" -- finetune --data "$tmp/missing" --name x --labels 10%
echo '{"labels": "10%"}' > "$tmp/labels_ok.json"
expect_error 1 "$tmp/missing" -- finetune --config "$tmp/labels_ok.json" --data "$tmp/missing" --name x
expect_error 2 "--batch-size" -- eval --data "$tmp" --checkpoint x --batch-size 0
expect_error 2 "--no-such-flag" -- pretrain --no-such-flag 3
expect_error 2 "--size" -- synth --out "$tmp/s" --size 5
expect_error 2 "--arch" -- bench --arch vgg
expect_error 1 "$tmp/missing" -- finetune --data "$tmp/missing" --name x
expect_error 1 "$tmp/none.safetensors" -- eval --data "$tmp" --checkpoint "$tmp/none.safetensors"
expect_error 2 "$tmp/none.json" -- pretrain --config "$tmp/none.json"
echo '{"epochs": 2, "bogus": 1}' > "$tmp/bad.json"
expect_error 2 "bogus" -- pretrain --config "$tmp/bad.json" --data "$tmp" --name x
expect_error 1 "$tmp/c.safetensors" -- predict --checkpoint "$tmp/c.safetensors" "$tmp/nothing.jpg"
expect_error 1 "$tmp" -- show "$tmp" --index 0

# --device: a misspelt device and (on a machine without a GPU) a missing one are one line, exit 2,
# for every subcommand that runs a model.
expect_error 2 "--device: unknown device 'gpu'" -- pretrain --data "$tmp" --name x --device gpu
expect_error 2 "--device: 'cuda:x'" -- eval --data "$tmp" --checkpoint "$tmp/c.safetensors" --device cuda:x
if "$bin" info | grep -q "devices: cpu ("; then
  expect_error 2 "--device cuda: no CUDA device is present" -- pretrain --data "$tmp" --name x --device cuda
  expect_error 2 "--device cuda:1: no CUDA device is present" -- finetune --data "$tmp" --name x --device cuda:1
  expect_error 2 "--device cuda: no CUDA device is present" -- eval --data "$tmp" --checkpoint "$tmp/c.safetensors" --device cuda
  expect_error 2 "--device cuda: no CUDA device is present" -- predict --checkpoint "$tmp/c.safetensors" --device cuda "$tmp/nothing.jpg"
  expect_error 2 "--device cuda: no CUDA device is present" -- demo --out "$tmp/demo" --device cuda
  expect_error 2 "--device cuda: no CUDA device is present" -- gradcheck --device cuda
  expect_error 2 "--device cuda: no CUDA device is present" -- equivariance --data "$tmp" --device cuda "$tmp/c.safetensors"
  expect_error 2 "--device cuda:1: no CUDA device is present" -- bench --device cuda:1
fi

if [ "$failures" -ne 0 ]; then echo "$failures CLI check(s) failed"; exit 1; fi
echo "CLI checks passed"
