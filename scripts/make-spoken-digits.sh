#!/bin/sh
# make-spoken-digits.sh: synthetic spoken digits in the AudioMNIST layout, made offline with
# espeak-ng (formant synthesis) and sox.
#
#   scripts/make-spoken-digits.sh OUT [SPEAKERS] [RENDERINGS]
#
#   OUT         output folder (created; existing files of the same names are overwritten)
#   SPEAKERS    number of synthetic speakers (default 10; at most 8 accents x variants x 6 pitches)
#   RENDERINGS  renderings of each digit per speaker (default 5)
#
# Writes OUT/<speaker>/<digit>_<speaker>_<index>.wav (16 kHz, mono, 16-bit PCM WAV) for the digits
# zero..nine (label = the leading digit of the file name), speakers numbered 01, 02, ... (three
# digits from 100 speakers on), indices 0..RENDERINGS-1, plus OUT/speakers.tsv describing each
# speaker. A "speaker" is one (accent, voice variant, pitch) combination of espeak-ng: the 8 English
# accents that need no mbrola (en-us en-gb en-gb-scotland en-gb-x-gbclan en-gb-x-rp en-gb-x-gbcwmd
# en-029 en-us-nyc), a list of voice variants (m1..m8, f1..f5, klatt..klatt6, ...) and 6 pitches.
# Successive speakers change accent, variant and pitch together, so even 2 speakers differ in all
# three. The renderings of one speaker differ in speed (115..215 wpm) and, after the first 10, in a
# small pitch offset and amplitude. One digit takes about 25 ms to make.
#
# Output is deterministic: the same arguments, espeak-ng and sox versions give byte-identical
# files (sox runs with -R, repeatable, and -D, no dither).
#
# Out-of-distribution speaker: when the Debian package asterisk-core-sounds-en-wav is installed
# (one real female speaker, 8 kHz, CC-BY-SA-3.0), its digits 0..9 are added, upsampled with sox,
# as speaker "asterisk" (OUT/asterisk/<digit>_asterisk_0.wav). Set ASTERISK=0 to leave it out.
#
# Requirements (installs nothing itself; CI installs them in .ci/run):
#   apt-get install -y espeak-ng sox
# Licences: espeak-ng is GPL-3+, sox GPL-2+/LGPL; the generated audio is program output.
set -eu

usage() {
  echo "usage: $0 OUT [SPEAKERS] [RENDERINGS]   (see the header of $0)" >&2
  exit 2
}

[ $# -ge 1 ] && [ $# -le 3 ] || usage
OUT=$1
SPEAKERS=${2:-10}
RENDERINGS=${3:-5}
case $SPEAKERS in '' | *[!0-9]*) echo "$0: SPEAKERS must be a positive integer, got '$SPEAKERS'" >&2; exit 2 ;; esac
case $RENDERINGS in '' | *[!0-9]*) echo "$0: RENDERINGS must be a positive integer, got '$RENDERINGS'" >&2; exit 2 ;; esac
SPEAKERS=$((SPEAKERS + 0))
RENDERINGS=$((RENDERINGS + 0))
[ "$SPEAKERS" -ge 1 ] || { echo "$0: SPEAKERS must be at least 1" >&2; exit 2; }
[ "$RENDERINGS" -ge 1 ] || { echo "$0: RENDERINGS must be at least 1" >&2; exit 2; }

missing=
command -v espeak-ng >/dev/null 2>&1 || missing="$missing espeak-ng"
command -v sox >/dev/null 2>&1 || missing="$missing sox"
if [ -n "$missing" ]; then
  echo "$0: missing package(s):$missing. Install them with: apt-get install -y$missing" >&2
  exit 1
fi

ACCENTS="en-us en-gb en-gb-scotland en-gb-x-gbclan en-gb-x-rp en-gb-x-gbcwmd en-029 en-us-nyc"
WANTED_VARIANTS="m1 f1 m3 f2 klatt m2 f3 m4 klatt2 f4 m5 croak m6 f5 klatt3 m7 grandma m8 klatt4 linda grandpa steph klatt5 quincy klatt6 edward"
PITCHES="50 35 65 42 58 28"
SPEEDS="150 175 130 200 160 140 185 115 215 170"
DIGITS="zero one two three four five six seven eight nine"

# Keep the variants this espeak-ng has (their files are listed as !v/<name>).
available=$(espeak-ng --voices=variant | awk 'NR > 1 { print $NF }' | sed -n 's|^!v/||p')
VARIANTS=
for v in $WANTED_VARIANTS; do
  if printf '%s\n' "$available" | grep -qx "$v"; then VARIANTS="$VARIANTS $v"; fi
done
for a in $ACCENTS; do
  espeak-ng --voices=en | awk '{ print $2 }' | grep -qx "$a" || { echo "$0: espeak-ng has no voice '$a' (needs espeak-ng >= 1.50)" >&2; exit 1; }
done

count() { set -- $1; echo $#; }
nth() { # nth INDEX LIST: the INDEX-th (0-based) word of LIST
  _nth_k=$1
  set -- $2
  shift "$_nth_k"
  echo "$1"
}
NA=$(count "$ACCENTS")
NV=$(count "$VARIANTS")
NP=$(count "$PITCHES")
NS=$(count "$SPEEDS")
MAX=$((NA * NV * NP))
[ "$NV" -ge 1 ] || { echo "$0: none of the voice variants ($WANTED_VARIANTS) exist in this espeak-ng" >&2; exit 1; }
[ "$SPEAKERS" -le "$MAX" ] || { echo "$0: at most $MAX speakers ($NA accents x $NV variants x $NP pitches), got $SPEAKERS" >&2; exit 2; }

WIDTH=2
[ "$SPEAKERS" -lt 100 ] || WIDTH=3
mkdir -p "$OUT"
printf 'speaker\taccent\tvariant\tpitch\tsource\n' > "$OUT/speakers.tsv"

s=0
while [ "$s" -lt "$SPEAKERS" ]; do
  # s = a + NA*(r + NV*b) -> accent a, variant (r + a) mod NV, pitch (b + r + a) mod NP: a bijection
  # for s < NA*NV*NP, and consecutive speakers differ in accent, variant and pitch
  a=$((s % NA))
  r=$(((s / NA) % NV))
  b=$((s / (NA * NV)))
  v=$(((r + a) % NV))
  accent=$(nth "$a" "$ACCENTS")
  variant=$(nth "$v" "$VARIANTS")
  pitch=$(nth $(((b + r + a) % NP)) "$PITCHES")
  spk=$(printf "%0${WIDTH}d" $((s + 1)))
  mkdir -p "$OUT/$spk"
  printf '%s\t%s\t%s\t%s\tespeak-ng\n' "$spk" "$accent" "$variant" "$pitch" >> "$OUT/speakers.tsv"
  d=0
  for word in $DIGITS; do
    i=0
    while [ "$i" -lt "$RENDERINGS" ]; do
      speed=$(nth $(((i + s) % NS)) "$SPEEDS")
      round=$((i / NS))
      p=$pitch
      amp=100
      if [ "$round" -gt 0 ]; then # beyond the 10 speeds: small pitch and level changes
        p=$((pitch + ((round * 3) % 5) * 3 - 6))
        amp=$((80 + ((round * 7) % 5) * 10))
      fi
      f="$OUT/$spk/${d}_${spk}_${i}.wav"
      espeak-ng -v "$accent+$variant" -s "$speed" -p "$p" -a "$amp" --stdout "$word" \
        | sox -q -R -D -t wav - -r 16000 -b 16 -c 1 -e signed-integer "$f"
      [ -s "$f" ] || { echo "$0: failed to render $f" >&2; exit 1; }
      i=$((i + 1))
    done
    d=$((d + 1))
  done
  s=$((s + 1))
done

AST=/usr/share/asterisk/sounds/en_US_f_Allison/digits
if [ "${ASTERISK:-1}" != 0 ] && [ -f "$AST/0.wav" ]; then
  mkdir -p "$OUT/asterisk"
  for d in 0 1 2 3 4 5 6 7 8 9; do
    sox -q -R -D "$AST/$d.wav" -r 16000 -b 16 -c 1 -e signed-integer "$OUT/asterisk/${d}_asterisk_0.wav"
  done
  printf 'asterisk\ten-us\thuman (Allison)\t-\tasterisk-core-sounds-en-wav (8 kHz, out of distribution)\n' >> "$OUT/speakers.tsv"
fi

echo "wrote $((SPEAKERS * RENDERINGS * 10)) clips of $SPEAKERS speakers to $OUT"
