/** Per-genre recipes, part 1: the renderers of blues, classical, country, disco and hiphop. @internal */
import {
  at,
  CH,
  chordNotes,
  CONSONANTS,
  master,
  melody,
  newStem,
  phrases,
  SCALES,
  strum,
  vary,
  vocalLead,
  voicing,
  type Renderer,
} from './arrangement.js';
import { add808, addClap, addCymbal, addHat, addKick, addSnare } from './drums.js';
import { lowpass, mixInto, reverb, saturate, smoothRandom } from './effects.js';
import { addNote, addPluck, addVoice, midiToHz, VOWEL_NAMES, type Syllable, type Timbre } from './instruments.js';

export const blues: Renderer = (c) => {
  const { rng, sr } = c;
  const twelve = [CH.I7, CH.I7, CH.I7, CH.I7, CH.IV7, CH.IV7, CH.I7, CH.I7, CH.V7, CH.IV7, CH.I7, CH.V7];
  const start = rng.int(0, 11);
  const gtr = newStem(c),
    bass = newStem(c),
    keys = newStem(c),
    drums = newStem(c),
    lead = newStem(c);
  const riff = rng.pick([
    [7, 7, 9, 9, 10, 10, 9, 9],
    [7, 7, 9, 9, 7, 7, 9, 9],
    [7, 9, 7, 9, 10, 9, 7, 9],
  ]);
  const hasKeys = rng.chance(0.5);
  const bright = rng.uniform(0.45, 0.75);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = twelve[(start + bar) % 12]!;
    const r = c.root + 12 + ch[0]!;
    for (let k = 0; k < 8; k++) {
      const beat = bar * 4 + k / 2;
      const t = at(c, beat);
      const eighth = at(c, beat + 0.5) - t;
      addPluck(gtr, sr, rng, t, midiToHz(r), { gain: 0.5, brightness: bright, decay: 1.2, mute: eighth * 0.95 });
      addPluck(gtr, sr, rng, t + 0.004, midiToHz(r + riff[k]!), { gain: 0.4, brightness: bright, decay: 1.2, mute: eighth * 0.95 });
    }
    const walk = [0, 4, 7, 9];
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      addPluck(bass, sr, rng, t, midiToHz(c.root + ch[0]! - 12 + walk[b]! + 12), {
        gain: 0.8,
        brightness: 0.25,
        decay: 1.2,
        mute: c.spb * 0.9,
      });
      if (b % 2 === 0) addKick(drums, sr, rng, t, { gain: 0.6, decayScale: 0.8 });
      else addSnare(drums, sr, rng, t, { gain: 0.35, brush: rng.chance(0.3) });
      addCymbal(drums, sr, rng, t, { gain: 0.12, ride: true, decayScale: 0.5 });
      if (rng.chance(0.8)) addHat(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.12 });
    }
    if (hasKeys)
      chordNotes(c, keys, at(c, bar * 4 + rng.pick([0, 0.5, 1.5])), c.spb * rng.uniform(1, 3), voicing(c, ch, 60), 'organ', {
        gain: 0.25,
        attack: 0.02,
      });
  }
  if (rng.chance(0.55))
    vocalLead(c, lead, SCALES.blues, [0.5, 1, 1, 1.5, 2], { female: rng.chance(0.3), gain: 0.45, lens: [4, 6], gaps: [2, 4] });
  else {
    const notes = melody(c, SCALES.blues, 64, 84, 0, c.bars * 4, [0.5, 0.5, 1, 1.5], 0.25);
    for (const m of notes)
      addPluck(lead, sr, rng, at(c, m.beat), midiToHz(m.midi), {
        gain: 0.4,
        brightness: 0.8,
        decay: 1.5,
        mute: (at(c, m.beat + m.len) - at(c, m.beat)) * 1.1,
      });
    saturate(lead, 2);
  }
  const mix = newStem(c);
  mixInto(mix, gtr, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.7));
  mixInto(mix, keys, vary(rng, 0.5));
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, lead, vary(rng, 0.7));
  return master(c, mix, {
    lowpass: [2500, 4500],
    drive: [1, 1.8],
    reverb: [0.08, 0.25],
    noise: { color: 'pink', db: [-38, -26] },
    crackle: 0.3,
  });
};

export const classical: Renderer = (c) => {
  const { rng, sr } = c;
  const minor = rng.chance(0.4);
  const prog = rng.pick(
    minor
      ? [
          [CH.i, CH.iv, CH.V, CH.i],
          [CH.i, CH.VI, CH.III, CH.VII],
          [CH.i, CH.iv, CH.VII, CH.III],
        ]
      : [
          [CH.I, CH.vi, CH.IV, CH.V],
          [CH.I, CH.IV, CH.V, CH.I],
          [CH.I, CH.ii, CH.V, CH.I],
        ],
  );
  const scale = minor ? SCALES.minor : SCALES.major;
  const ensemble = rng.pick(['strings', 'piano', 'winds'] as const);
  const pad = newStem(c),
    mel = newStem(c),
    low = newStem(c);
  const dyn = smoothRandom(c.n, sr, rng, 0.4, 0.35);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    const t = at(c, bar * 4);
    const barDur = 4 * c.spb;
    if (ensemble === 'piano') {
      const arp = [...voicing(c, ch, 48), ...voicing(c, ch, 60)];
      const sub = rng.pick([0.5, 0.5, 0.25]);
      const pattern = rng.chance(0.5) ? arp : [...arp, ...arp.slice(1, -1).reverse()];
      let k = 0;
      for (let b = 0; b < 4 - 1e-9; b += sub, k++) {
        const m = pattern[k % pattern.length]!;
        addNote(pad, sr, at(c, bar * 4 + b), sub * c.spb * 1.5, midiToHz(m), {
          timbre: 'piano',
          gain: rng.uniform(0.25, 0.4),
          env: { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.4 },
          decayTau: rng.uniform(0.5, 1.2),
        });
      }
      addNote(low, sr, t, barDur, midiToHz(c.root + ch[0]!), {
        timbre: 'piano',
        gain: 0.45,
        env: { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.5 },
        decayTau: 1.5,
      });
    } else {
      chordNotes(c, pad, t, barDur, voicing(c, ch, 55), 'saw', {
        gain: 0.35,
        attack: rng.uniform(0.15, 0.4),
        release: 0.4,
        vibrato: 0.12,
        maxHz: 3500,
      });
      addNote(low, sr, t, barDur, midiToHz(c.root + ch[0]!), {
        timbre: 'saw',
        gain: 0.4,
        env: { attack: 0.2, decay: 0.3, sustain: 0.8, release: 0.4 },
        vibratoHz: 5,
        vibratoDepth: 0.08,
        maxHz: 2000,
      });
    }
  }
  const timbre: Timbre = ensemble === 'winds' ? rng.pick(['flute', 'reed'] as const) : ensemble === 'strings' ? 'saw' : 'piano';
  const notes = melody(c, scale, 67, 88, 0, c.bars * 4, ensemble === 'piano' ? [0.5, 1, 1, 2] : [1, 1, 2, 2, 3], 0.1, 2);
  for (const m of notes) {
    const t0 = at(c, m.beat);
    const d = at(c, m.beat + m.len) - t0;
    addNote(mel, sr, t0, d * 0.95, midiToHz(m.midi), {
      timbre,
      gain: 0.4,
      env:
        timbre === 'piano'
          ? { attack: 0.004, decay: 0.1, sustain: 0.8, release: 0.3 }
          : { attack: rng.uniform(0.05, 0.15), decay: 0.1, sustain: 0.85, release: 0.2 },
      decayTau: timbre === 'piano' ? 0.9 : 0,
      vibratoHz: 5.5,
      vibratoDepth: timbre === 'piano' ? 0 : rng.uniform(0.1, 0.25),
      maxHz: 4000,
    });
  }
  const mix = newStem(c);
  mixInto(mix, pad, vary(rng, 0.5));
  mixInto(mix, low, vary(rng, 0.5));
  mixInto(mix, mel, vary(rng, 0.6));
  for (let i = 0; i < mix.length; i++) mix[i]! *= dyn[i]!;
  return master(c, mix, { lowpass: [2500, 6000], reverb: [0.25, 0.45], noise: { color: 'pink', db: [-55, -40] } });
};

export const country: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([
    [CH.I, CH.IV, CH.V, CH.I],
    [CH.I, CH.I, CH.IV, CH.V],
    [CH.I, CH.V, CH.IV, CH.I],
  ]);
  const gtr = newStem(c),
    bass = newStem(c),
    drums = newStem(c),
    lead = newStem(c);
  const brush = rng.chance(0.4);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    const shape = voicing(c, ch, 52).concat(voicing(c, ch, 64));
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      // boom (bass on 1 and 3, root then fifth) – chick (strum on 2 and 4)
      if (b % 2 === 0)
        addPluck(bass, sr, rng, t, midiToHz(c.root + ch[0]! + (b === 2 ? 7 : 0)), {
          gain: 0.8,
          brightness: 0.3,
          decay: 1,
          mute: c.spb * 0.9,
        });
      else strum(c, gtr, t, shape, { gain: 0.6, brightness: 0.8, decay: 1, mute: c.spb * 0.45 });
      if (rng.chance(0.5))
        strum(c, gtr, at(c, bar * 4 + b + 0.5), shape.slice(2), { gain: 0.3, brightness: 0.8, decay: 0.8, mute: c.spb * 0.3, up: true });
      if (b % 2 === 0) addKick(drums, sr, rng, t, { gain: 0.5, decayScale: 0.7 });
      else addSnare(drums, sr, rng, t, { gain: 0.35, brush });
      addHat(drums, sr, rng, t, { gain: 0.07 });
      addHat(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.05 });
    }
  }
  const fiddle = rng.chance(0.4);
  const lick = melody(c, SCALES.majPent, 64, 86, 0, c.bars * 4, [0.25, 0.5, 0.5, 1], 0.3);
  if (rng.chance(0.7)) vocalLead(c, lead, SCALES.majPent, [0.5, 1, 1, 1.5, 2], { gain: 0.5 });
  for (const m of lick) {
    const t0 = at(c, m.beat);
    const d = at(c, m.beat + m.len) - t0;
    if (fiddle)
      addNote(lead, sr, t0, d * 0.9, midiToHz(m.midi), {
        timbre: 'saw',
        gain: 0.18,
        env: { attack: 0.03, decay: 0.1, sustain: 0.8, release: 0.08 },
        vibratoHz: 6,
        vibratoDepth: 0.25,
        maxHz: 5000,
      });
    else addPluck(lead, sr, rng, t0, midiToHz(m.midi), { gain: 0.25, brightness: 0.95, decay: 0.8, mute: d * 1.2 });
  }
  const mix = newStem(c);
  mixInto(mix, gtr, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.7));
  mixInto(mix, drums, vary(rng, 0.5));
  mixInto(mix, lead, vary(rng, 0.6));
  return master(c, mix, { lowpass: [4000, 6500], drive: [1, 1.5], reverb: [0.08, 0.2], noise: { color: 'pink', db: [-50, -36] } });
};

export const disco: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([
    [CH.i7, CH.iv7],
    [CH.i, CH.VII, CH.VI, CH.VII],
    [CH.ii7, CH.V7],
    [CH.i7, CH.VImaj7],
  ]);
  const bass = newStem(c),
    drums = newStem(c),
    str = newStem(c),
    stabs = newStem(c),
    voc = newStem(c);
  const strings = rng.chance(0.7);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[bar % prog.length]!;
    const r = c.root + ch[0]!;
    for (let b = 0; b < 4; b++) {
      const t = at(c, bar * 4 + b);
      addKick(drums, sr, rng, t, { gain: 0.9, decayScale: 0.9 });
      if (b % 2 === 1) (rng.chance(0.5) ? addClap : addSnare)(drums, sr, rng, t, { gain: 0.45 });
      addHat(drums, sr, rng, at(c, bar * 4 + b + 0.5), { gain: 0.25, open: true, decayScale: 0.8 });
      for (const s of [0.25, 0.75]) if (rng.chance(0.7)) addHat(drums, sr, rng, at(c, bar * 4 + b + s), { gain: 0.1 });
      for (const [h, oct] of [
        [0, 0],
        [0.5, 12],
      ] as const) {
        addNote(bass, sr, at(c, bar * 4 + b + h), c.spb * 0.4, midiToHz(r + oct), {
          timbre: 'saw',
          gain: 0.5,
          env: { attack: 0.003, decay: 0.1, sustain: 0.6, release: 0.04 },
          decayTau: 0.2,
          maxHz: 1500,
        });
      }
    }
    if (strings)
      chordNotes(c, str, at(c, bar * 4), 4 * c.spb, voicing(c, ch, 72), 'saw', { gain: 0.3, attack: 0.08, release: 0.2, vibrato: 0.15 });
    for (const s of rng.pick([
      [0.5, 1.5, 2.5, 3.5],
      [1.5, 3.5],
      [0.75, 2.5],
    ])) {
      chordNotes(c, stabs, at(c, bar * 4 + s), c.spb * 0.35, voicing(c, ch, 60), rng.pick(['epiano', 'brass', 'square'] as const), {
        gain: 0.35,
        attack: 0.005,
        release: 0.05,
        maxHz: 6000,
      });
    }
  }
  if (rng.chance(0.6)) vocalLead(c, voc, SCALES.minPent, [0.5, 0.5, 1, 2], { female: rng.chance(0.75), gain: 0.45 });
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.6));
  mixInto(mix, bass, vary(rng, 0.5));
  mixInto(mix, str, vary(rng, 0.4));
  mixInto(mix, stabs, vary(rng, 0.4));
  mixInto(mix, voc, vary(rng, 0.5));
  return master(c, mix, { lowpass: [5500, 7800], drive: [1.4, 2.6], reverb: [0.05, 0.15], noise: { color: 'white', db: [-55, -42] } });
};

export const hiphop: Renderer = (c) => {
  const { rng, sr } = c;
  const prog = rng.pick([
    [CH.i7, CH.iv7],
    [CH.i7, CH.VImaj7],
    [CH.i7, CH.i7, CH.VImaj7, CH.v],
    [CH.ii7, CH.Imaj7],
  ]);
  const drums = newStem(c),
    bass = newStem(c),
    loop = newStem(c),
    rap = newStem(c);
  const kicks = rng.pick([
    [0, 7, 10],
    [0, 3, 8, 10],
    [0, 6, 9, 11],
    [0, 10, 11],
  ]);
  const use808 = rng.chance(0.6);
  const hats16 = rng.chance(0.4);
  const epiano = rng.chance(0.6);
  for (let bar = 0; bar < c.bars; bar++) {
    const ch = prog[Math.floor(bar / 2) % prog.length]!;
    for (let s = 0; s < 16; s++) {
      const beat = bar * 4 + s / 4;
      const t = at(c, beat);
      if (kicks.includes(s)) {
        addKick(drums, sr, rng, t, { gain: 1, decayScale: 1.3, tune: 0.85 });
        if (use808) add808(bass, sr, t, midiToHz(c.root + ch[0]! - 12 + 12 * Number(c.root < 43)), c.spb * rng.uniform(0.8, 1.6), 0.7);
      }
      if (s === 4 || s === 12) {
        addSnare(drums, sr, rng, t, { gain: 0.8, decayScale: 1.3, tune: 0.9 });
        if (rng.chance(0.5)) addClap(drums, sr, rng, t, { gain: 0.4 });
      }
      if (hats16 ? true : s % 2 === 0) addHat(drums, sr, rng, t, { gain: s % 4 === 0 ? 0.2 : rng.uniform(0.06, 0.14), decayScale: 0.8 });
    }
    if (!use808)
      for (const s of kicks)
        addPluck(bass, sr, rng, at(c, bar * 4 + s / 4), midiToHz(c.root + ch[0]!), {
          gain: 0.7,
          brightness: 0.2,
          decay: 1.2,
          mute: c.spb * 0.7,
        });
    if (bar % 2 === 0 || rng.chance(0.3)) {
      const t = at(c, bar * 4 + rng.pick([0, 0, 0.5, 1.75]));
      chordNotes(
        c,
        loop,
        t,
        c.spb * rng.uniform(1.5, 3.5),
        voicing(c, prog[Math.floor(bar / 2) % prog.length]!, 55),
        epiano ? 'epiano' : 'piano',
        { gain: 0.5, attack: 0.01, release: 0.3, decayTau: 1.2, maxHz: 2500 },
      );
    }
  }
  lowpass(loop, sr, rng.uniform(900, 2000), 2);
  // rap: syllables on the 16th grid in phrases
  if (rng.chance(0.85)) {
    const syl: Syllable[] = [];
    const base = rng.uniform(95, 140);
    for (const [a, b] of phrases(c, [4, 8], [1, 2, 4])) {
      for (let s = a * 4; s < b * 4; s++) {
        if (rng.chance(0.35)) continue;
        const t0 = at(c, s / 4);
        const len = (at(c, (s + rng.pick([1, 1, 2])) / 4) - t0) * 0.9;
        const f0 = base * Math.pow(2, rng.uniform(-2, 3) / 12);
        syl.push({
          start: t0,
          dur: Math.max(0.05, len),
          f0,
          f0End: f0 * Math.pow(2, rng.uniform(-2, 0.5) / 12),
          vowel: rng.pick(VOWEL_NAMES),
          consonant: rng.pick(CONSONANTS),
          level: rng.uniform(0.6, 1),
        });
      }
    }
    addVoice(rap, sr, rng, syl, { gain: 0.6, formantScale: rng.uniform(0.95, 1.08), breathiness: rng.uniform(0.1, 0.35), jitter: 0.01 });
  }
  const mix = newStem(c);
  mixInto(mix, drums, vary(rng, 0.7));
  mixInto(mix, bass, vary(rng, 0.7));
  mixInto(mix, loop, vary(rng, 0.5));
  mixInto(mix, rap, vary(rng, 0.6));
  return master(c, mix, {
    lowpass: [3000, 5500],
    drive: [1.2, 2],
    reverb: [0.02, 0.1],
    noise: { color: 'pink', db: [-45, -32] },
    crackle: 0.65,
  });
};
