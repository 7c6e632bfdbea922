#!/bin/sh
# Build the example register from plain reviewclock commands.
#
#   sh examples/build-register.sh [REGISTER]     (default: examples/register.db)
#
# Six made-up cases at different points of the chain, as of Monday 3 February
# 2025. Case references only: a register never holds a child's name.
set -eu
db=${1:-$(dirname "$0")/register.db}
rc=${REVIEWCLOCK:-reviewclock}
rm -f "$db" "$db-wal" "$db-shm"
export REVIEWCLOCK_DB="$db"

# Closed: every stage met, the review published.
$rc add-sin BSCP-2023-14 --aware 2023-09-04 --notified 2023-09-07 --authority "Northshire County Council" --harm serious-harm
$rc record BSCP-2023-14 rapid-review-sent --on 2023-09-26 --decision lcspr
$rc record BSCP-2023-14 panel-response --on 2023-10-13 --panel-view agrees
$rc record BSCP-2023-14 lcspr-commissioned --on 2023-10-20
$rc record BSCP-2023-14 publication-planned --on 2024-04-12
$rc record BSCP-2023-14 report-sent --on 2024-03-28
$rc record BSCP-2023-14 lcspr-completed --on 2024-03-25
$rc record BSCP-2023-14 published --on 2024-04-12

# A local review past its six months, held back by a criminal trial.
$rc add-sin BSCP-2024-05 --aware 2024-06-03 --notified 2024-06-07 --authority "Northshire County Council" --harm death
$rc record BSCP-2024-05 rapid-review-sent --on 2024-06-28 --decision lcspr
$rc record BSCP-2024-05 panel-response --on 2024-07-18 --panel-view agrees
$rc record BSCP-2024-05 lcspr-commissioned --on 2024-07-25
$rc record BSCP-2024-05 proceedings-started --on 2024-09-02 --kind criminal --note "trial listed for spring 2025"

# A rapid review sent late, and the Panel's answer not yet in: chase the Panel.
$rc add-sin BSCP-2024-08 --aware 2024-11-04 --notified 2024-11-08 --harm serious-harm
$rc record BSCP-2024-08 rapid-review-sent --on 2024-12-06 --decision no-lcspr

# Notified, but the rapid review is overdue.
$rc add-sin BSCP-2024-09 --aware 2025-01-06 --notified 2025-01-10 --harm serious-harm

# Notified, rapid review on track.
$rc add-sin BSCP-2024-10 --aware 2025-01-20 --notified 2025-01-23 --harm death

# Just reported: the notification is due tomorrow.
$rc add-sin BSCP-2024-11 --aware 2025-01-28 --harm serious-harm
