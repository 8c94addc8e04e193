#!/usr/bin/env bash
# Name every system package `make run` / `make test` need that this machine lacks (Debian 12 names).
missing=()
command -v python3.11 >/dev/null 2>&1 || missing+=("python3.11")
python3.11 -c "import venv, ensurepip" >/dev/null 2>&1 || missing+=("python3-venv")
command -v make >/dev/null 2>&1 || missing+=("make")
command -v node >/dev/null 2>&1 || missing+=("nodejs")
command -v npm >/dev/null 2>&1 || missing+=("npm")
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing+=("libpango-1.0-0")
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || missing+=("libpangoft2-1.0-0")
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing system packages: ${missing[*]}"
  echo "Install them with: sudo apt-get install -y ${missing[*]}"
  exit 1
fi
