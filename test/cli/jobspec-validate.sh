#!/bin/bash
# jobspec-validate: exit status and FILE:LINE:COL messages over the
# validation corpus, stdin, several files, --emit round trips and usage errors.
set -u
JV=${JOBSPEC_VALIDATE:-jobspec-validate}
DATA=${STRATA_CONFORMANCE:?}/data/resource/jobspecs
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# Every valid file: exit 0, nothing printed.
for f in "$DATA"/validation/valid/*; do
    out=$("$JV" "$f" 2>&1) && [ -z "$out" ] && ok || bad "valid $f: $out"
done

# Every invalid file: exit 1 and one "FILE:LINE:COL: field message" line.
for f in "$DATA"/validation/invalid/*; do
    out=$("$JV" "$f" 2>&1)
    rc=$?
    if [ $rc -ne 1 ]; then bad "invalid $f: exit $rc"; continue; fi
    if [[ "$out" =~ ^"$f":[0-9]+:[0-9]+:\ [a-z].+$ ]] && [ "$(wc -l <<<"$out")" -eq 1 ]; then
        ok
    else
        bad "invalid $f: message '$out'"
    fi
done

# All files at once: every invalid file reported, exit 1.
out=$("$JV" "$DATA"/validation/valid/* "$DATA"/validation/invalid/* 2>&1)
rc=$?
n=$(grep -c ':[0-9]*:[0-9]*: ' <<<"$out")
[ $rc -eq 1 ] && [ "$n" -eq "$(ls "$DATA"/validation/invalid | wc -l)" ] && ok \
    || bad "batch: exit $rc, $n messages"

# Specific messages (golden lines).
expect() {
    local file=$1 want=$2
    out=$("$JV" "$DATA/validation/invalid/$file" 2>&1)
    [ "$out" = "$DATA/validation/invalid/$file:$want" ] && ok || bad "$file: got '$out' want '$want'"
}
expect resource_count_min_zero.yaml "5:12: resources[0].count.min must be >= 1"
expect resource_slot_not_labelled.yaml "3:5: resources[0].label is required for a slot"
expect attributes_bad_entry.yaml "17:3: attributes.foo is not a valid key (expected system or user)"
expect task_missing_slot.yaml "10:5: tasks[0].slot is required"

# stdin is "-", named <stdin> in messages.
"$JV" - <"$DATA/validation/valid/basic.yaml" && ok || bad "stdin valid"
out=$(echo 'version: [' | "$JV" - 2>&1)
[[ $? -eq 1 && "$out" == "<stdin>:"* ]] && ok || bad "stdin invalid: $out"

# Missing file: exit 1 with the file name and reason.
out=$("$JV" "$TMP/nope.yaml" 2>&1)
[[ $? -eq 1 && "$out" == "$TMP/nope.yaml: No such file or directory" ]] && ok || bad "missing: $out"

# A directory: exit 1 with the reason.
out=$("$JV" "$TMP" 2>&1)
[[ $? -eq 1 && "$out" == "$TMP: Is a directory" ]] && ok || bad "directory: $out"

# -q prints nothing; -v names valid files.
out=$("$JV" -q "$DATA/validation/invalid/missing_tasks.yaml" 2>&1)
[[ $? -eq 1 && -z "$out" ]] && ok || bad "-q: $out"
out=$("$JV" -v "$DATA/validation/valid/basic.yaml" 2>&1)
[ "$out" = "$DATA/validation/valid/basic.yaml: valid" ] && ok || bad "-v: $out"

# Options may follow the file names when validating.
out=$("$JV" "$DATA/validation/valid/basic.yaml" -v 2>&1)
[ "$out" = "$DATA/validation/valid/basic.yaml: valid" ] && ok || bad "option after file: $out"

# --emit prints a jobspec that validates again, in YAML and in JSON.
for f in "$DATA"/validation/valid/use_case_1.5.yaml "$DATA"/min_max/test002.yaml; do
    "$JV" --emit "$f" >"$TMP/e.yaml" && "$JV" "$TMP/e.yaml" && ok || bad "emit yaml $f"
    "$JV" --emit --json "$f" >"$TMP/e.json" && "$JV" "$TMP/e.json" && ok || bad "emit json $f"
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/e.json" 2>/dev/null && ok \
        || bad "emit json is not JSON: $f"
done

# JSON input with an error keeps its line and column.
printf '{"version": 1,\n "resources": [{"type": "node", "count": 0}],\n "tasks": [], "attributes": {}}\n' >"$TMP/j.json"
out=$("$JV" "$TMP/j.json" 2>&1)
[ "$out" = "$TMP/j.json:2:42: resources[0].count must be >= 1" ] && ok || bad "json pos: $out"

# Usage: no file is exit 2; --help is exit 0 and mentions --build.
"$JV" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "no args"
"$JV" --help | grep -q -- --build && ok || bad "--help"
"$JV" --bogus >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "bad option"

echo "jobspec-validate: $pass passed, $fails failed"
[ $fails -eq 0 ]
