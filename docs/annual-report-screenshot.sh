#!/bin/sh
# Render the annual report's case-review section as HTML and take a screenshot of it in
# headless Chromium, to see what an officer pastes into the annual report.
#
#   sh docs/annual-report-screenshot.sh [OUTPUT.png]
#
# Needs reviewclock with its charts extra (pip install -e '.[charts]') and Chromium
# (Debian: apt-get install -y chromium). The register is made from docs/annual-example.csv:
# a year like the one Birmingham's 2023/24 annual report describes (six notifications,
# six rapid reviews, the Panel agreeing, 11 local reviews running in April, two published),
# with one late case and one rapid review still open at the end of March.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/annual-report-example.png"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reviewclock=${REVIEWCLOCK:-reviewclock}
"$reviewclock" import "$here/annual-example.csv" --db "$work/register.db" >/dev/null
"$reviewclock" stats --year 2023/24 --format html --output "$work/report" --db "$work/register.db" >/dev/null
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size=900,1850 \
    --screenshot="$out" "file://$work/report/case-reviews-2023-24.html" 2>/dev/null
echo "Screenshot written to $out"
