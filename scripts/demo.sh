#!/usr/bin/env bash
# `make demo`: the DSP path on generated audio. Generates DTMF, a line echo, caller ID and a
# busy tone; detects, cancels, decodes and prints the results. Usage: scripts/demo.sh [DSP]
set -euo pipefail
cd "$(dirname "$0")/.."
dsp=${1:-target/release/dsp}
work=${DEMO_DIR:-demo-data/dsp}
mkdir -p "$work"
say() { printf '\n== %s\n' "$*"; }
rms_db() { sox "$1" -n stats 2>&1 | awk '/RMS lev dB/ {print $4}'; }

say "DTMF: generate 16 digits at -10 dBm0 per tone (60 ms on / 60 ms off), add white noise (about 25 dB SNR), detect"
"$dsp" dtmf-gen 0123456789*#ABCD "$work/dtmf-clean.wav" --level -10 --on 60 --off 60
sox -n -r 8000 -b 16 -c 1 "$work/noise.wav" synth "$(soxi -D "$work/dtmf-clean.wav")" whitenoise vol 0.02
sox -m "$work/dtmf-clean.wav" "$work/noise.wav" "$work/dtmf.wav"
"$dsp" dtmf-detect "$work/dtmf.wav"

say "Line echo: far end speaks (espeak-ng), the line returns it 40 ms later through a hybrid at 10 dB ERL"
espeak-ng -v en -s 150 -w "$work/speech22k.wav" "This is the appliance echo canceller demo. The far end talks, and the line sends the echo back." 2>/dev/null
sox "$work/speech22k.wav" -r 8000 -b 16 -c 1 "$work/far.wav" gain -n -16
len=$(soxi -s "$work/far.wav")
sox "$work/far.wav" "$work/near.wav" highpass 250 lowpass 3400 gain -10 pad 0.040 trim 0s "${len}s"
"$dsp" echo-cancel --tail-ms 128 --far "$work/far.wav" --near "$work/near.wav" --out "$work/out.wav"
rms_db_after1s() { sox "$1" -n trim 1 stats 2>&1 | awk '/RMS lev dB/ {print $4}'; }
before=$(rms_db "$work/near.wav"); after=$(rms_db "$work/out.wav")
before1=$(rms_db_after1s "$work/near.wav"); after1=$(rms_db_after1s "$work/out.wav")
erle() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", a-b}'; }
echo "echo level over the whole file: ${before} dBFS before, ${after} dBFS after the canceller (ERLE $(erle "$before" "$after") dB, convergence included)"
echo "after the first second:         ${before1} dBFS before, ${after1} dBFS after (ERLE $(erle "$before1" "$after1") dB)"

say "Caller ID: V.23 FSK (ETSI) and DTMF CLIP, generated then decoded"
"$dsp" cid-gen --standard v23 --number 13800138000 --name "ZHANG WEI" "$work/cid-v23.wav"
"$dsp" cid-decode "$work/cid-v23.wav"
"$dsp" cid-gen --standard bell202 --number 2125551234 --name "DOE JOHN" "$work/cid-bell.wav"
"$dsp" cid-decode "$work/cid-bell.wav"
"$dsp" cid-gen --standard dtmf --number 4912345678 "$work/cid-dtmf.wav"
"$dsp" cid-decode "$work/cid-dtmf.wav"

say "Call progress: a Chinese busy tone (450 Hz, 0.35 s on / 0.35 s off), as a central office sends at hang-up"
sox -n -r 8000 -b 16 -c 1 "$work/busy.wav" synth 0.35 sine 450 vol 0.2 pad 0 0.35 repeat 5
"$dsp" tone-detect "$work/busy.wav" --country cn

say "Throughput: channels per core in real time"
"$dsp" bench --seconds 2

printf '\nFiles are in %s. The appliance daemon arrives with the switch issue; until then this is the demo.\n' "$work"
