#!/bin/sh
# Speech to text for ARIADNE_TRANSCRIBE_COMMAND with CMU pocketsphinx (Debian: pocketsphinx pocketsphinx-en-us sox).
# Called as: transcribe-pocketsphinx.sh <recording.wav> <language>; prints the transcript on stdout.
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
sox -q "$file" -t raw -r 16000 -c 1 -b 16 -e signed-integer - |
  pocketsphinx_continuous -infile /dev/stdin -samprate 16000 \
    -hmm "$model/en-us" -lm "$model/en-us.lm.bin" -dict "$model/cmudict-en-us.dict" -logfn /dev/null
