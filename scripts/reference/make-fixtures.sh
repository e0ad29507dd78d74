#!/usr/bin/env bash
# Regenerates tests/fixtures/grad-reference.json: probes four small GoogLeNets with the
# command line, then recomputes their gradients in PyTorch (apt-get install -y python3-torch).
# The tests need only the fixture, not PyTorch.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cli() { npm run --silent cli -- "$@"; }
cli probe --preset relu --dataset mnist --seed 1 --batch 4 --out "$tmp/relu.json"
cli probe --preset sigmoid --dataset shapes --seed 2 --batch 4 --aux1 probe --out "$tmp/sigmoid.json"
cli probe --preset relu-bn --dataset fashion-mnist --seed 3 --batch 4 --aux2 off --out "$tmp/relu-bn.json"
cli probe --preset tanh --dataset mnist --seed 4 --batch 4 --aux-weight 0.5 --out "$tmp/tanh.json"
/usr/bin/python3 scripts/reference/grad_reference.py tests/fixtures/grad-reference.json \
  "$tmp/relu.json" "$tmp/sigmoid.json" "$tmp/relu-bn.json" "$tmp/tanh.json"
echo "wrote tests/fixtures/grad-reference.json"
