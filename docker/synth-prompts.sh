#!/bin/sh
# Synthesises Ariadne's prompts from asterisk-conf/sounds/ariadne/prompts.txt into 8 kHz, 16-bit mono
# WAV files named <outdir>/<name>.wav, the format Asterisk plays without transcoding.
# Usage: synth-prompts.sh prompts.txt /var/lib/asterisk/sounds/en/ariadne [espeak-voice]
# Needs espeak-ng and sox. An existing file is kept (a studio recording wins over the synthesis)
# unless FORCE=1.
set -eu
src=$1
out=$2
voice=${3:-en-us}
mkdir -p "$out"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# Lines are "name: text"; blank lines and lines starting with # are skipped.
grep -v '^[[:space:]]*#' "$src" | grep ':' | while IFS= read -r line; do
  name=$(printf '%s' "$line" | cut -d: -f1 | tr -d '[:space:]')
  text=$(printf '%s' "$line" | cut -d: -f2- | sed 's/^[[:space:]]*//')
  case "$name" in
    ''|*[!a-z0-9-]*) echo "synth-prompts: bad prompt name '$name' in $src" >&2; exit 1 ;;
  esac
  if [ -f "$out/$name.wav" ] && [ "${FORCE:-0}" != 1 ]; then continue; fi
  # espeak-ng writes 22.05 kHz; sox resamples to telephone quality and normalises the level to
  # -3 dBFS so prompts are as loud as the official ones.
  espeak-ng -v "$voice" -s 150 -w "$tmp" "$text"
  sox "$tmp" -r 8000 -c 1 -b 16 -e signed-integer "$out/$name.wav" norm -3
  echo "synth-prompts: $name"
done
