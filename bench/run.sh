#!/usr/bin/env bash
# The benchmark of issue 6, in one command (see bench/README.md):
#   bash bench/run.sh            full run: 10 000 customers × 20 feedbacks, ~15 min
#   bash bench/run.sh --quick    pipeline check on a few hundred customers (CI)
# Other options: --no-build, --customers N, --seconds S, --output PATH, --keep-work.
set -euo pipefail
exec python3 "$(dirname "$0")/bench.py" "$@"
