#!/bin/sh
# Seeds a libFuzzer corpus for gitops-weave-fuzz from the conformance cases: one input per
# case, base.yaml, then "\n---PATCH---\n", then patch.yaml.
#
#   fuzz/seed-corpus.sh [CORPUS_DIR] [CASES_DIR]
#
# CORPUS_DIR defaults to .build-fuzz/corpus, CASES_DIR to ../shared/conformance/cases.
set -eu
corpus=${1:-.build-fuzz/corpus}
cases=${2:-${GITOPS_WEAVE_SHARED:-../shared}/conformance/cases}
mkdir -p "$corpus"
n=0
for dir in "$cases"/*/*/; do
    [ -f "$dir/base.yaml" ] && [ -f "$dir/patch.yaml" ] || continue
    name=$(basename "$(dirname "$dir")")-$(basename "$dir")
    { cat "$dir/base.yaml"; printf '\n---PATCH---\n'; cat "$dir/patch.yaml"; } > "$corpus/$name"
    n=$((n + 1))
done
echo "seeded $n inputs into $corpus"
