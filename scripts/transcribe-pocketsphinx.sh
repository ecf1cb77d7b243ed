#!/bin/sh
# Speech to text for ARIADNE_TRANSCRIBE_COMMAND with CMU pocketsphinx (Debian: pocketsphinx pocketsphinx-en-us sox).
# Called as: transcribe-pocketsphinx.sh <recording.wav> <language>; prints one JSON object on stdout:
#   {"segments": [{"start": 0.52, "end": 6.83, "text": "…"}, …], "text": "…"}
# one segment per utterance pocketsphinx hears between pauses, with its first and last word's times in seconds.
# The en-us model is trained on 16 kHz speech; Ariadne's recordings are 8 kHz telephone audio, which lacks the
# upper band it listens to, so its transcripts of real calls are rough. For transcripts worth reading point
# ARIADNE_TRANSCRIBE_URL at a Whisper-class server instead (docs/aftercall.md "Transcripts").
set -eu
file=$1
language=${2:-en}
model=${POCKETSPHINX_MODEL_DIR:-/usr/share/pocketsphinx/model/en-us}
case $language in
  en | en-*) ;;
  *) echo "no pocketsphinx model for language $language" >&2; exit 3 ;;
esac
# Files rather than a pipe, so a failing step (an unreadable recording) fails the script: the job retries it.
raw=$(mktemp)
heard=$(mktemp)
trap 'rm -f "$raw" "$heard"' EXIT
sox -q "$file" -t raw -r 16000 -c 1 -b 16 -e signed-integer "$raw"
pocketsphinx_continuous -infile "$raw" -samprate 16000 -time yes \
  -hmm "$model/en-us" -lm "$model/en-us.lm.bin" -dict "$model/cmudict-en-us.dict" -logfn /dev/null >"$heard"
# With -time yes each utterance is its hypothesis on one line, then one "word start end confidence" line per word
# (fillers such as <s>, </s>, <sil> and [NOISE] included), times counted from the start of the file.
awk '
  function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }
  function flush() {
    if (hyp != "" && first != "") {
      printf "%s{\"start\": %s, \"end\": %s, \"text\": \"%s\"}", (n++ ? ", " : ""), first, last, esc(hyp)
      all = all (all == "" ? "" : " ") hyp
    }
    hyp = ""
  }
  BEGIN { printf "{\"segments\": [" }
  /^[^ ]+ [0-9.]+ [0-9.]+ [-0-9.e]+$/ {
    if ($1 !~ /^(<s>|<\/s>|<sil>|\[NOISE\]|\+\+.*\+\+)$/) { if (first == "") first = $2; last = $3 }
    next
  }
  { flush(); hyp = $0; first = "" }
  END { flush(); printf "], \"text\": \"%s\"}\n", esc(all) }
' "$heard"
