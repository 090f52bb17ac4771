/** Per-genre recipes, part 2: the renderers of jazz, metal, pop, reggae and rock. @internal */
import {
  at,
  CH,
  chordNotes,
  master,
  melody,
  newStem,
  phrases,
  powerChord,
  SCALES,
  sing,
  strum,
  vary,
  vocalLead,
  voicing,
  type MNote,
  type Renderer,
} from './arrangement.js';
import { addClap, addCymbal, addHat, addKick, addSnare } from './drums.js';
import { highpass, lowpass, mixInto, reverb, saturate } from './effects.js';
import { addNote, addPluck, midiToHz } from './instruments.js';

export const jazz: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([
    [CH.ii7, CH.V7, CH.Imaj7, CH.VI7],
    [CH.Imaj7, CH.VI7, CH.ii7, CH.V7],
    [CH.i7, CH.iv7, CH.V7, CH.i7],
  ]);
  const drums = newStem(c),
    bass = newStem(c),
    comp = newStem(c),
    horn = newStem(c);
  const brushes = rng.chance(0.5);
  const compTimbre = rng.pick(['epiano', 'piano'] as const);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    const nextRoot = c.root + prog[(bar + 1) % prog.length]![0]!;
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      // ride "ding, ding-a": every beat, plus the swung 8th after beats 2 and 4
      addCymbal(drums, sr, rng, t, { gain: 0.22, ride: true, decayScale: 0.8 });
      if (b % 2 === 1) {
        addCymbal(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.14, ride: true, decayScale: 0.6 });
        addHat(drums, sr, rng, t, { gain: 0.1, decayScale: 0.6 });
      }
      if (rng.chance(0.5)) addKick(drums, sr, rng, t, { gain: 0.15, decayScale: 0.7 });
      for (const h of [0, 0.5])
        if (rng.chance(0.18)) addSnare(drums, sr, rng, at(c, bar * 4 + b + h), { gain: rng.uniform(0.1, 0.25), brush: brushes });
      // walking bass: chord tones, chromatic approach on beat 4
      let m: number;
      if (b === 0) m = c.root + ch[0]!;
      else if (b === 3) m = nextRoot + rng.pick([-1, 1, -2]);
      else m = c.root + rng.pick(ch.slice(1));
      while (m > c.root + 14) m -= 12;
      addPluck(bass, sr, rng, t, midiToHz(m), { gain: 0.8, brightness: 0.3, decay: 1.5, mute: c.spb * 0.95 });
    }
    const shell = voicing(c, ch.slice(1), 58);
    for (let k = rng.int(1, 3); k > 0; k--) {
      const pos = rng.int(0, 7) / 2;
      chordNotes(c, comp, at(c, bar * 4 + pos), c.spb * rng.uniform(0.3, 1.2), [...shell, shell[0]! + 14], compTimbre, {
        gain: 0.3,
        attack: 0.005,
        release: 0.15,
        decayTau: 0.8,
      });
    }
  }
  const hornOn = rng.chance(0.65);
  if (hornOn) {
    const timbre = rng.pick(['reed', 'brass', 'flute'] as const);
    const notes = melody(
      c,
      rng.pick([SCALES.dorian, SCALES.mixolydian, SCALES.blues]),
      60,
      82,
      0,
      c.bars * 4,
      [0.5, 0.5, 0.5, 1, 1.5],
      0.18,
    );
    for (const m of notes) {
      const t0 = at(c, m.beat);
      const d = at(c, m.beat + m.len) - t0;
      addNote(horn, sr, t0, d * 0.9, midiToHz(m.midi), {
        timbre,
        gain: 0.3,
        env: { attack: 0.03, decay: 0.1, sustain: 0.8, release: 0.06 },
        vibratoHz: 5,
        vibratoDepth: 0.15,
        maxHz: 4500,
      });
    }
  } else if (rng.chance(0.3)) vocalLead(c, horn, SCALES.mixolydian, [0.5, 1, 1, 2], { female: true, gain: 0.4 });
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.5));
  mixInto(mix, bass, vary(rng, 0.8));
  mixInto(mix, comp, vary(rng, 0.5));
  mixInto(mix, horn, vary(rng, 0.5));
  return master(c, mix, { lowpass: [3000, 5500], reverb: [0.12, 0.3], noise: { color: 'pink', db: [-50, -36] } });
};

export const metal: Renderer = (c) => {
  const { rng, sr } = c;
  const shape = rng.pick([
    [0, 1, 0, 10],
    [0, 0, 3, 5],
    [0, 5, 3, 1],
    [0, 0, 8, 7],
  ]);
  const gtrA = newStem(c),
    gtrB = newStem(c),
    bass = newStem(c),
    drums = newStem(c),
    voc = newStem(c);
  const doubleKick = rng.chance(0.65);
  const blast = !doubleKick && rng.chance(0.4);
  const chug = rng.pick([
    [1, 1, 1, 1],
    [1, 1, 0, 1],
    [1, 0, 1, 1],
    [1, 1, 1, 0],
  ]);
  for (let bar = 0; bar < c.bars; bar++) {
    const r = c.root + shape[bar % shape.length]!;
    for (let s = 0; s < 16; s++) {
      const beat = bar * 4 + s / 4;
      const t = at(c, beat);
      const accent = s % 4 === 0;
      if (chug[s % 4] || accent) {
        const d = accent && rng.chance(0.3) ? c.spb * 0.9 : c.spb * 0.2;
        for (const [stem, det] of [
          [gtrA, -0.08],
          [gtrB, 0.08],
        ] as const) {
          chordNotes(
            c,
            stem,
            t,
            d,
            powerChord(r + 12).map((m) => m + det),
            'saw',
            { gain: accent ? 0.7 : 0.5, attack: 0.002, release: 0.03, sustain: 0.9 },
          );
        }
        addNote(bass, sr, t, c.spb * 0.2, midiToHz(r), {
          timbre: 'saw',
          gain: 0.6,
          env: { attack: 0.002, decay: 0.1, sustain: 0.8, release: 0.03 },
          maxHz: 1200,
        });
      }
      if (doubleKick || (s % 2 === 0 && (blast || s % 8 === 0 || rng.chance(0.3))))
        addKick(drums, sr, rng, t, { gain: 0.7, decayScale: 0.5, tune: 1.1 });
      if (blast ? s % 2 === 1 : s === 4 || s === 12) addSnare(drums, sr, rng, t, { gain: 0.7, decayScale: 0.8 });
      if (s % 2 === 0) addHat(drums, sr, rng, t, { gain: 0.12 });
    }
    addCymbal(drums, sr, rng, at(c, bar * 4), { gain: 0.45, decayScale: 1.2 });
    if (rng.chance(0.4)) addCymbal(drums, sr, rng, at(c, bar * 4 + 2), { gain: 0.35 });
  }
  for (const g of [gtrA, gtrB]) {
    highpass(g, sr, 90);
    saturate(g, rng.uniform(8, 18));
    lowpass(g, sr, rng.uniform(3500, 5200), 2);
  }
  saturate(bass, 2);
  if (rng.chance(0.6)) {
    const growl = rng.chance(0.6);
    const notes: MNote[] = [];
    for (const [a, b] of phrases(c, [2, 4], [2, 4]))
      notes.push(...melody(c, SCALES.phrygian, growl ? 40 : 54, growl ? 50 : 64, a, b, [0.5, 1, 1, 2], 0.1, 1));
    sing(c, voc, notes, {
      female: false,
      gain: 0.5,
      noiseSource: growl ? rng.uniform(0.6, 0.85) : rng.uniform(0.3, 0.5),
      breathiness: 0.8,
      vibrato: 0.05,
    });
    saturate(voc, 3);
  }
  const mix = newStem(c);
  mixInto(mix, gtrA, vary(rng, 0.45));
  mixInto(mix, gtrB, vary(rng, 0.45));
  mixInto(mix, bass, vary(rng, 0.35));
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, voc, vary(rng, 0.35));
  return master(c, mix, { lowpass: [4500, 7000], drive: [2, 3.5], reverb: [0.03, 0.12], noise: { color: 'white', db: [-40, -28] } });
};

export const pop: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([
    [CH.I, CH.V, CH.vi, CH.IV],
    [CH.vi, CH.IV, CH.I, CH.V],
    [CH.I, CH.vi, CH.IV, CH.V],
    [CH.IV, CH.I, CH.V, CH.vi],
  ]);
  const drums = newStem(c),
    bass = newStem(c),
    keys = newStem(c),
    arp = newStem(c),
    voc = newStem(c);
  const keysTimbre = rng.pick(['piano', 'saw', 'epiano'] as const);
  const keysRhythm = rng.pick([
    [0, 1, 2, 3],
    [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5],
    [0, 1.5, 3],
  ]);
  const hasArp = rng.chance(0.35);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      if (b % 2 === 0) addKick(drums, sr, rng, t, { gain: 0.85 });
      else (rng.chance(0.5) ? addClap : addSnare)(drums, sr, rng, t, { gain: 0.6 });
      if (b === 1 && rng.chance(0.5)) addKick(drums, sr, rng, at(c, bar * 4 + 1.5), { gain: 0.6 });
      addHat(drums, sr, rng, t, { gain: 0.12 });
      addHat(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.1 });
      for (const h of [0, 0.5])
        addNote(bass, sr, at(c, bar * 4 + b + h), c.spb * 0.45, midiToHz(c.root + ch[0]!), {
          timbre: 'bass',
          gain: 0.6,
          env: { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.04 },
        });
    }
    for (const p of keysRhythm) {
      chordNotes(c, keys, at(c, bar * 4 + p), c.spb * 0.9, voicing(c, ch, 60), keysTimbre, {
        gain: 0.35,
        attack: 0.005,
        release: 0.1,
        decayTau: keysTimbre === 'saw' ? 0 : 0.8,
        maxHz: 5000,
      });
    }
    if (hasArp) {
      const tones = voicing(c, ch, 72);
      for (let s = 0; s < 16; s++)
        addNote(arp, sr, at(c, bar * 4 + s / 4), c.spb * 0.2, midiToHz(tones[s % tones.length]!), {
          timbre: 'square',
          gain: 0.15,
          env: { attack: 0.002, decay: 0.05, sustain: 0.5, release: 0.03 },
          maxHz: 5000,
        });
    }
  }
  if (rng.chance(0.92))
    vocalLead(c, voc, rng.chance(0.5) ? SCALES.majPent : SCALES.major, [0.5, 0.5, 1, 1, 1.5, 2], {
      gain: 0.6,
      lens: [4, 8],
      gaps: [0.5, 1, 2],
    });
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.5));
  mixInto(mix, keys, vary(rng, 0.4));
  mixInto(mix, arp, vary(rng, 0.4));
  mixInto(mix, voc, vary(rng, 0.7));
  return master(c, mix, { lowpass: [5000, 7800], drive: [1.3, 2.4], reverb: [0.08, 0.22], noise: { color: 'white', db: [-60, -45] } });
};

export const reggae: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([
    [CH.i, CH.iv],
    [CH.I, CH.IV],
    [CH.I, CH.V],
    [CH.i, CH.VII],
    [CH.I, CH.IV, CH.V, CH.IV],
  ]);
  const drums = newStem(c),
    bass = newStem(c),
    skank = newStem(c),
    organ = newStem(c),
    voc = newStem(c);
  const bassPattern = rng.pick([
    [
      [0, 0, 1],
      [1.5, 7, 0.5],
      [2, 12, 0.5],
      [2.5, 10, 1],
    ],
    [
      [0, 0, 1.5],
      [1.5, 0, 0.5],
      [2.5, 7, 0.5],
      [3, 5, 1],
    ],
    [
      [0.5, 0, 1],
      [1.5, 3, 0.5],
      [2, 5, 1],
      [3.5, 7, 0.5],
    ],
  ]);
  const allOffbeats = rng.chance(0.4);
  const hasOrgan = rng.chance(0.6);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[Math.floor(bar / (prog.length > 2 ? 1 : 2)) % prog.length]!;
    // one drop: kick and rim shot together on beat 3 only
    const t3 = at(c, bar * 4 + 2);
    addKick(drums, sr, rng, t3, { gain: 0.8, decayScale: 1.1 });
    addSnare(drums, sr, rng, t3, { gain: 0.5, decayScale: 0.4, tune: 1.6 });
    for (let e = 0; e < 8; e++) addHat(drums, sr, rng, at(c, bar * 4 + e / 2), { gain: e % 2 ? 0.1 : 0.06, decayScale: 0.8 });
    for (const [pos, iv, len] of bassPattern) {
      addNote(bass, sr, at(c, bar * 4 + pos!), c.spb * len! * 0.9, midiToHz(c.root + ch[0]! + iv!), {
        timbre: 'bass',
        gain: 0.9,
        env: { attack: 0.01, decay: 0.2, sustain: 0.8, release: 0.05 },
        maxHz: 700,
      });
    }
    const shape = voicing(c, ch, 62);
    for (let b = 0; b < 4; b++) {
      if (!allOffbeats && b % 2 === 0) continue;
      const t = at(c, bar * 4 + b + (allOffbeats ? 0.5 : 0));
      strum(c, skank, t, shape, { gain: 0.55, brightness: 0.95, decay: 0.5, mute: c.spb * 0.18, spread: 0.004 });
      if (hasOrgan)
        for (const h of [0.25, 0.75])
          chordNotes(c, organ, at(c, bar * 4 + b + h), c.spb * 0.15, shape, 'organ', { gain: 0.2, attack: 0.004, release: 0.03 });
    }
  }
  highpass(skank, sr, 400);
  if (rng.chance(0.6)) vocalLead(c, voc, SCALES.majPent, [0.5, 1, 1, 1.5], { gain: 0.5 });
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.9));
  mixInto(mix, skank, vary(rng, 0.6));
  mixInto(mix, organ, vary(rng, 0.4));
  mixInto(mix, voc, vary(rng, 0.6));
  return master(c, mix, { lowpass: [3500, 5500], drive: [1, 1.6], reverb: [0.1, 0.3], noise: { color: 'pink', db: [-55, -40] } });
};

export const rock: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([
    [0, 5, 7, 5],
    [0, 10, 5, 0],
    [9, 5, 0, 7],
    [0, 0, 5, 7],
    [0, 3, 5, 5],
  ]);
  const gtr = newStem(c),
    bass = newStem(c),
    drums = newStem(c),
    voc = newStem(c);
  const ride = rng.chance(0.3);
  for (let bar = 0; bar < c.bars; bar++) {
    const r = c.root + prog[bar % prog.length]!;
    for (let e = 0; e < 8; e++) {
      const beat = bar * 4 + e / 2;
      const t = at(c, beat);
      chordNotes(c, gtr, t, c.spb * 0.45, powerChord(r + 12), 'saw', {
        gain: e % 2 ? 0.45 : 0.55,
        attack: 0.003,
        release: 0.04,
        sustain: 0.85,
      });
      addNote(bass, sr, t, c.spb * 0.45, midiToHz(r), {
        timbre: 'bass',
        gain: 0.6,
        env: { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.04 },
      });
      if (ride) addCymbal(drums, sr, rng, t, { gain: 0.12, ride: true, decayScale: 0.6 });
      else addHat(drums, sr, rng, t, { gain: e % 2 ? 0.1 : 0.15, open: rng.chance(0.1) });
    }
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      if (b % 2 === 0) addKick(drums, sr, rng, t, { gain: 0.85 });
      else addSnare(drums, sr, rng, t, { gain: 0.7 });
      if (b === 2 && rng.chance(0.4)) addKick(drums, sr, rng, at(c, bar * 4 + 2.5), { gain: 0.6 });
    }
    if (bar % 4 === 0 || rng.chance(0.15)) addCymbal(drums, sr, rng, at(c, bar * 4), { gain: 0.4 });
  }
  highpass(gtr, sr, 90);
  saturate(gtr, rng.uniform(2.5, 6));
  lowpass(gtr, sr, rng.uniform(3800, 5500), 2);
  if (rng.chance(0.7)) vocalLead(c, voc, SCALES.minPent, [0.5, 1, 1, 1.5, 2], { gain: 0.55 });
  const mix = newStem(c);
  mixInto(mix, gtr, vary(rng, 0.55));
  mixInto(mix, bass, vary(rng, 0.5));
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, voc, vary(rng, 0.55));
  return master(c, mix, { lowpass: [4200, 6800], drive: [1.3, 2.3], reverb: [0.05, 0.18], noise: { color: 'white', db: [-52, -38] } });
};
