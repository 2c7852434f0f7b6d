#!/usr/bin/env bash
# The benchmark of issue 6, in one command (see bench/README.md):
#   bash bench/run.sh            full run: 10 000 customers × 20 feedbacks, ~15 min
#   bash bench/run.sh --quick    pipeline check on a few hundred customers (CI)
#   bash bench/run.sh --scaling  page-1 latency at 10 000 vs 1 000 000 customers, with plans
# Other options: --no-build, --binary PATH, --customers N, --feedbacks N, --seconds S,
# --output PATH, --keep-work.
set -euo pipefail
exec python3 "$(dirname "$0")/bench.py" "$@"
