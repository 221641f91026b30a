#!/usr/bin/env bash
# Installs everything govreports needs on a Debian machine: the system programs it drives
# (LibreOffice for DOC/WPS/XLS, Tesseract chi_sim for scanned reports, Redis for the distributed
# crawl, Chromium for the browser tests, CJK fonts for rendering) and a virtualenv in .venv with
# the project and its test tools. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  libreoffice-writer-nogui libreoffice-calc-nogui
  tesseract-ocr tesseract-ocr-chi-sim
  redis-server
  chromium chromium-driver
  poppler-utils fonts-noto-cjk
  wrk
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
echo "setup: ready (.venv/bin/govreports)"
