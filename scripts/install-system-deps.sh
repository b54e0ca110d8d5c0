#!/usr/bin/env bash
# System packages the test suite needs (idempotent): Chromium for browser tests, poppler-utils
# to look at PDFs, zbar to read the contract's QR code, PostgreSQL binaries for the throwaway
# cluster, Tesseract with its English data and the Russian Hunspell dictionary (the passport
# scan), the OCR-B font (the synthetic passport photos of its tests and benchmark) and Redis
# (two replicas sharing their UI state in the replicas test).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)  # decodes the contract's QR code
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata >/dev/null 2>&1 || missing+=(tesseract-ocr-eng)
[ -f /usr/share/fonts/opentype/ocr-b/OCRB.otf ] || missing+=(fonts-ocr-b)
[ -f /usr/share/hunspell/ru_RU.dic ] || missing+=(hunspell-ru)  # spelling model of zone names
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)  # the replicas test
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Устанавливаю системные пакеты: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
