#!/usr/bin/env bash
# Opens a caresim HTML report in headless Chromium and checks that it renders: the DOM
# the browser builds has every section and as many <svg> charts as the file, the
# console logged no error, and a screenshot is a non-empty PNG.
# Usage: scripts/report_browser_check.sh REPORT.html
set -euo pipefail
report=$(realpath "$1")
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then echo "no chromium found" >&2; exit 1; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
  --disable-sync --no-first-run --enable-logging=stderr --v=0)
timeout 120 "$browser" "${flags[@]}" --user-data-dir="$work/profile-dom" --dump-dom "file://$report" \
  >"$work/dom.html" 2>"$work/dom.log"
for id in stress-des occupancy delays paired money calibration; do
  grep -q "<section id=\"$id\">" "$work/dom.html" || { echo "rendered DOM lacks section $id" >&2; exit 1; }
done
in_file=$(grep -o '<svg' "$report" | wc -l)
in_dom=$(grep -o '</svg>' "$work/dom.html" | wc -l)
if [ "$in_file" -eq 0 ] || [ "$in_file" -ne "$in_dom" ]; then
  echo "charts: $in_file <svg> in the file, $in_dom rendered" >&2; exit 1
fi
if grep -E 'CONSOLE.*(Error|Uncaught)|Uncaught ' "$work/dom.log"; then
  echo "the browser logged an error while rendering $report" >&2; exit 1
fi
timeout 120 "$browser" "${flags[@]}" --user-data-dir="$work/profile-png" --hide-scrollbars \
  --window-size=1200,3000 --screenshot="$work/report.png" "file://$report" >"$work/png.log" 2>&1
size=$(stat -c %s "$work/report.png" 2>/dev/null || echo 0)
magic=$(head -c 8 "$work/report.png" | od -An -tx1 | tr -d ' \n')
if [ "$size" -lt 10000 ] || [ "$magic" != 89504e470d0a1a0a ]; then
  echo "screenshot is not a PNG of a rendered page ($size bytes)" >&2; exit 1
fi
echo "report renders: 6 sections, $in_dom charts, screenshot $size bytes"
