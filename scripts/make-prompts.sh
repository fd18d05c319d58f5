#!/bin/sh
# Generates the default IVR prompts: 8 kHz mono 16-bit WAVs in English and Mandarin, spoken by
# espeak-ng (voices en-us and cmn) and resampled by sox, from
# appliance/ivr/prompts/default-prompts.tsv (id<TAB>English<TAB>Mandarin).
#
# Usage: scripts/make-prompts.sh [OUT_DIR]     (default: appliance/ivr/prompts/generated)
# Result: OUT_DIR/en/<id>.wav and OUT_DIR/zh/<id>.wav. Replace any file with a recording
# (8000 Hz, mono, 16-bit PCM or A-law) to change a prompt; see docs/ivr.md.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
tsv="$here/appliance/ivr/prompts/default-prompts.tsv"
out=${1:-"$here/appliance/ivr/prompts/generated"}
for tool in espeak-ng sox; do
    command -v "$tool" >/dev/null 2>&1 || { echo "make-prompts: $tool not found (apt-get install $tool)" >&2; exit 1; }
done
mkdir -p "$out/en" "$out/zh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
# Tab-separated; skip comments and blank lines.
while IFS='	' read -r id en zh; do
    case "$id" in ''|'#'*) continue ;; esac
    for lang in en zh; do
        if [ "$lang" = en ]; then voice=en-us; text=$en; else voice=cmn; text=$zh; fi
        espeak-ng -v "$voice" -s 150 -w "$tmp/raw.wav" -- "$text"
        # 22.05 kHz from espeak-ng -> peak -3 dBFS (no clipping in the resampler), 8 kHz mono
        # 16-bit, with a short tail of silence.
        sox -q "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$lang/$id.wav" gain -n -3 pad 0 0.1
    done
    n=$((n + 1))
done < "$tsv"
echo "make-prompts: $n prompts x 2 languages in $out"
