#!/usr/bin/env bash
# Regenerate every generated block of README.md and docs/ from the
# committed results files (the markers name the commands; tests/docs.rs
# runs them and rewrites the blocks), then check the documents again.
set -euo pipefail
cd "$(dirname "$0")/.."
ZONEBENCH_BLESS=1 cargo test --release --test docs "$@"
