#!/usr/bin/env bash
# Usage: scripts/require-debian.sh [COMMAND=PACKAGE | PACKAGE | --package PACKAGE] ...
# Makes sure the machine has what the build needs from Debian: COMMAND=PACKAGE
# is satisfied when COMMAND is on the PATH, a bare PACKAGE when dpkg has it
# installed, and --package PACKAGE is always wanted (the caller found it
# missing). What is missing is installed when running as root; otherwise the
# script stops and prints the exact apt-get line to run.
set -euo pipefail
missing=()
while [ $# -gt 0 ]; do
  case "$1" in
    --package) missing+=("$2"); shift 2; continue ;;
    *=*) command -v "${1%%=*}" >/dev/null 2>&1 || missing+=("${1#*=}") ;;
    *) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed" \
         || missing+=("$1") ;;
  esac
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
