#!/usr/bin/env bash
# Usage: scripts/require-debian.sh COMMAND=PACKAGE ... [--package PACKAGE ...]
# Makes sure each COMMAND is on the machine; a PACKAGE after --package is
# needed regardless (the caller found it missing). Missing ones are installed
# from Debian's archive when running as root; otherwise the script stops and
# prints the exact apt-get line to run.
set -euo pipefail
missing=()
while [ $# -gt 0 ]; do
  if [ "$1" = --package ]; then
    missing+=("$2"); shift 2; continue
  fi
  cmd=${1%%=*} pkg=${1#*=}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  shift
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing from Debian: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Missing system packages. Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
