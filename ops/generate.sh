#!/usr/bin/env bash
# The steps npm 11 does not run from install scripts: the Prisma client and the workflow bundle.
# `prisma generate` needs no schema engine, but the CLI looks for one unless told where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}" npx --no-install prisma generate 2>&1) || { printf '%s\n' "$out" >&2; exit 1; }
node --import tsx worker/build-bundle.ts
