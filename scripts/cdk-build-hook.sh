#!/usr/bin/env bash
# The sandbox's cdk.json build hook. Before `cdk synth`, `deploy` or `diff` runs
# lib/main.js, nx compiles the app and builds the layers it loads where their
# source changed, from its cache when nothing did, so the app always reflects
# the source, packages/*/src included.
set -euo pipefail
# Inside an nx task (the sandbox's own build synthesizes right after compiling) everything is built already.
if [ -n "${NX_TASK_TARGET_PROJECT:-}" ]; then exit 0; fi
cd "$(dirname "$0")/.."
exec npx nx run @lakehouse-cdk/sandbox:compile --output-style=summary
