// A seeded synthetic EPO run for the panel harness: a toy "model" (a bigram fluency table and a
// linear feature over a small English vocabulary) optimised by the real EPO loop shape (8 λ slots,
// 32 children each, restarts every 30 with a random λ_r), so the stream of messages looks like a
// real run: XE from ~10 (random tokens) down to ~2, features rising with plateaus and restarts,
// duplicates skipped, and per-token attributions computed exactly by substitution.
//
// Usage: node scripts/panel-harness/synthetic-run.mjs [--seed 0] [--iterations 300] [--out run.json]

import { writeFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

const { mulberry32 } = await tsImport('../../src/engine/util/random.ts', import.meta.url);

const COMMON = `the of and to a in is that it was for on as with he be at by his this had from not but
what all were when we there can an your which their said if do will each about how up out them then
she many some so these would other into has more her two like him see time could no make than first
been its who now people my made over did down only way find use may water long little very after
words called just where most know get through back much before go good new write our used me man too
any day same right look think also around another came come work three word must because does part
even place well such here take why things help put years different away again off went old number
great tell men say small every found still between name should home big give air line set own under
read last never us left end along while might next sound below saw something thought both few those
always looked show large often together asked house world going want school important until form food
keep children feet land side without boy once animals life enough took sometimes four head above kind
began almost live page got earth need far hand high year mother light parts country father let night
following picture being study second eyes soon times story boys since white days ever paper hard near
sentence better best across during today others however sure means knew try told young miles sun ways`.split(/\s+/).filter(Boolean);

const TOPIC = `sauce bake oven simmer garlic butter flour whisk recipe onion pepper salt roast dough pan stir
tomato basil chop saute knead yeast broth skillet caramel vinegar olive minced oregano boil fry cream
cheese lemon ginger thyme parsley batter glaze marinade`.split(/\s+/).filter(Boolean);

const PIECES = ['.', ',', '\n', ':', ';', '!', '?', ' (', ')', ' "', '"', "'s", 'ing', 'ed', 'ly', 'er', ' -', '\n\n', ' 1', ' 2', ' 3', ' 10', '%', ' $', 'un', 're', 'tion', ' Mr', ' I', ' The', ' A', ' It', ' In'];

/** The toy world: vocabulary, fluency table and feature weights, all from `seed`. */
export function makeWorld(seed = 0) {
  const rand = mulberry32(seed * 7919 + 13);
  // Subword pieces pad the vocabulary to a size where a run never exhausts a prompt's neighbours.
  const SYL = ['an', 'er', 'in', 'on', 'st', 'ra', 'le', 'ti', 'or', 'ch', 'ou', 'mi', 'ck', 'th', 'ga', 'po'];
  const pieces = new Set();
  while (pieces.size < 700) pieces.add(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => SYL[Math.floor(rand() * SYL.length)]).join('') + (rand() < 0.3 ? 's' : ''));
  const vocab = [...new Set([...COMMON.map((w) => ` ${w}`), ...TOPIC.map((w) => ` ${w}`), ...PIECES,
    ...COMMON.map((w) => w[0].toUpperCase() + w.slice(1)), ...COMMON.map((w) => ` ${w[0].toUpperCase()}${w.slice(1)}`), ...pieces])];
  const V = vocab.length;
  const topic = new Set(TOPIC.map((w) => vocab.indexOf(` ${w}`)));
  // Unigram surprisal: common words cheap, rare (topic) words dear.
  const uni = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    const rank = v < COMMON.length ? v / COMMON.length : topic.has(v) ? 0.75 + 0.25 * rand() : 0.4 + 0.5 * rand();
    uni[v] = 3.6 + 6 * rank + 0.6 * rand();
  }
  // Each token has ~30 fluent followers (cooking words often follow each other, and some common
  // words lead into them), anything else costs extra: fluent text lands near XE 3-4, random tokens near 9-10.
  const topicIds = [...topic];
  const follow = Array.from({ length: V }, () => new Map());
  for (let v = 0; v < V; v++) {
    for (let k = 0; k < 30; k++) {
      const r = rand();
      const w = r < (topic.has(v) ? 0.35 : 0.08) ? topicIds[Math.floor(rand() * topicIds.length)]
        : r < 0.75 ? Math.floor(rand() * COMMON.length) : Math.floor(rand() * V);
      follow[v].set(w, (topic.has(w) ? 2.0 : 1.2) + 2.2 * rand());
    }
  }
  // The feature: topic words, more so late in the prompt, and more when two are adjacent.
  const weight = new Float64Array(V);
  for (let v = 0; v < V; v++) weight[v] = topic.has(v) ? 0.25 + 0.45 * rand() : 0.06 * (rand() - 0.5);
  return { seed, vocab, V, topic, uni, follow, weight };
}

export function nll(world, prev, cur) {
  return Math.max(1.2, world.uni[cur] - (world.follow[prev].get(cur) ?? -1.0));
}

/** A fixed pseudo-random number in [0, 1) per prompt: makes the landscape rugged, as real ones are. */
function hash01(ids, salt) {
  let h = salt >>> 0;
  for (const v of ids) h = Math.imul(h ^ v, 0x9e3779b1) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77) >>> 0;
  return ((h ^ (h >>> 13)) >>> 0) / 4294967296;
}

export function xeOf(world, ids) {
  let s = 0;
  for (let i = 1; i < ids.length; i++) s += nll(world, ids[i - 1], ids[i]);
  return s / (ids.length - 1) + 0.5 * (hash01(ids, 1) - 0.5);
}

export function featureOf(world, ids) {
  const n = ids.length;
  let f = 0;
  for (let i = 0; i < n; i++) {
    f += world.weight[ids[i]] * (0.6 + 0.8 * (i / (n - 1)));
    if (i > 0 && world.topic.has(ids[i]) && world.topic.has(ids[i - 1])) f += 0.2;
  }
  return f + 0.8 * (hash01(ids, 2) - 0.5);
}

const text = (world, ids) => ids.map((i) => world.vocab[i]).join('');
const key = (ids) => ids.join(',');
const round = (v, d = 4) => Number(v.toFixed(d));

const topKCache = new Map();

/**
 * The top-k substitutes for one position, ranked the way the gradient would roughly rank them (the
 * token's feature weight against its fluency after the previous token), cached per (world, previous
 * token, λ, k).
 */
function topK(world, ids, pos, lambda, k) {
  const prev = pos > 0 ? ids[pos - 1] : -1;
  const cacheKey = `${world.seed}|${prev}|${lambda}|${k}`;
  let out = topKCache.get(cacheKey);
  if (!out) {
    const scored = [];
    for (let v = 0; v < world.V; v++) {
      const fluency = prev >= 0 ? nll(world, prev, v) : world.uni[v];
      scored.push([world.weight[v] * 1.2 - (Math.max(lambda, 0.3) / (ids.length - 1)) * fluency, v]);
    }
    scored.sort((a, b) => b[0] - a[0]);
    out = scored.slice(0, k).map((s) => s[1]);
    topKCache.set(cacheKey, out);
  }
  return out;
}

/** Per-token attribution by substitution (epo.md "resample" view), exactly as the extension computes it. */
export function attributionFor(world, ids, substitutes = 32) {
  const rand = mulberry32(ids.reduce((h, v) => (Math.imul(h, 31) + v) >>> 0, 7));
  const baseline = featureOf(world, ids);
  const relative = baseline > 0;
  const scale = (d) => (relative ? d / baseline : d);
  const tokens = ids.map((id, i) => {
    const cands = topK(world, ids, i, 0, 4 * substitutes).filter(() => rand() < 0.5).filter((v) => v !== id).slice(0, substitutes);
    const vals = cands.map((v) => {
      const alt = ids.slice();
      alt[i] = v;
      return { token: world.vocab[v], id: v, value: round(featureOf(world, alt)) };
    }).sort((a, b) => b.value - a.value);
    const worst = vals[vals.length - 1];
    return {
      token: world.vocab[id], id,
      nll: i === 0 ? null : round(nll(world, ids[i - 1], id), 3),
      largestDrop: round(scale(baseline - worst.value)),
      smallestDrop: round(scale(baseline - vals[0].value)),
      worst,
      best: vals.slice(0, 3),
      saliency: round(Math.abs(world.weight[id]) * 2 + 0.05 * rand(), 3),
    };
  });
  return { ids, text: text(world, ids), baseline: round(baseline), xe: round(xeOf(world, ids)), relative, tokens };
}

/**
 * Runs the toy EPO and returns the messages a host would post, plus every point's ids. `worldSeed`
 * fixes the toy model and feature; `seed` is the run's own (another seed = "run again").
 * `historyBase` offsets history indices, as a host does for a second run in the same panel.
 */
export function generateRun({ seed = 0, worldSeed = 0, iterations = 300, population = 8, childrenPerMember = 32, seqLen = 12, restartEvery = 30, k = 1024, historyBase = 0 } = {}) {
  const world = makeWorld(worldSeed);
  const rand = mulberry32(seed * 2654435761 + 1);
  const lambdas = Array.from({ length: population }, (_, j) => round(Math.exp(Math.log(0.1) + (j / (population - 1)) * (Math.log(10) - Math.log(0.1))), 6));
  const pointIds = [];
  const feature = [], xe = [], iterationOf = [];
  const seen = new Set();
  const evalPrompt = (ids, it) => {
    const h = pointIds.length;
    pointIds.push(ids);
    feature.push(round(featureOf(world, ids)));
    xe.push(round(xeOf(world, ids)));
    iterationOf.push(it);
    seen.add(key(ids));
    return h;
  };
  const runId = `synthetic-${worldSeed}`;
  const messages = [{
    type: 'init', protocol: 1, runId, mode: 'live',
    feature: { name: 'blocks.6.mlp.hook_post · neuron 1437', description: 'fires on cooking instructions (synthetic run)', file: 'features/cooking-1437.json' },
    model: { id: 'synthetic-bigram', layers: 12, dModel: 768, vocab: world.V },
    config: {
      iterations, population, childrenPerMember, topK: k, seqLen, restartEvery, lambdaMin: 0.1, lambdaMax: 10,
      restartLambdaMin: 0.667, restartLambdaMax: 6, seed, batchSize: 128, retokenize: true, bannedText: [],
    },
    lambdas, device: 'cpu (synthetic)',
  }];

  let members = Array.from({ length: population }, () => {
    const ids = Array.from({ length: seqLen }, () => Math.floor(rand() * world.V));
    return evalPrompt(ids, -1);
  });
  let prevMembers = members.map(() => -1);
  const stats = { evaluations: members.length, cacheHits: 0, rejections: 0, restarts: 0, bestAtXe4: null, bestAtXe6: null };
  let sent = 0;
  let rate = 0;
  const loss = (h, lam) => -feature[h] + lam * xe[h];
  const updateBest = (from) => {
    for (let h = from; h < pointIds.length; h++) {
      if (xe[h] < 4 && (stats.bestAtXe4 === null || feature[h] > stats.bestAtXe4)) stats.bestAtXe4 = feature[h];
      if (xe[h] < 6 && (stats.bestAtXe6 === null || feature[h] > stats.bestAtXe6)) stats.bestAtXe6 = feature[h];
    }
  };
  const message = (it, restart, timings) => {
    const from = sent;
    sent = pointIds.length;
    updateBest(from);
    rate = rate === 0 ? 1000 / timings.totalMs : 0.8 * rate + 0.2 * (1000 / timings.totalMs);
    return {
      type: 'iteration', iteration: it, iterations, restart,
      population: members.map((h, j) => ({
        slot: j, lambda: lambdas[j], ids: pointIds[h], tokens: pointIds[h].map((v) => world.vocab[v]), text: text(world, pointIds[h]),
        feature: feature[h], xe: xe[h], isNew: prevMembers[j] !== h, historyIndex: historyBase + h,
      })),
      points: { feature: feature.slice(from), xe: xe.slice(from), iteration: iterationOf.slice(from), historyIndex: Array.from({ length: sent - from }, (_, i) => historyBase + from + i) },
      timings, stats: { ...stats }, iterationsPerSecond: round(rate, 3),
    };
  };
  messages.push(message(-1, null, { gradientMs: 0, proposalMs: 0, scoringMs: 14, selectionMs: 0, totalMs: 14 }));

  for (let it = 0; it < iterations; it++) {
    const newMembers = new Set(members.filter((h, j) => prevMembers[j] !== h)).size;
    const children = [];
    members.forEach((parent, j) => {
      const cands = Array.from({ length: seqLen }, (_, pos) => topK(world, pointIds[parent], pos, lambdas[j], k));
      let made = 0;
      for (let draw = 0; made < childrenPerMember && draw < childrenPerMember * 10; draw++) {
        const pos = Math.floor(rand() * seqLen);
        const tok = cands[pos][Math.floor(rand() * k)];
        if (tok === pointIds[parent][pos]) continue;
        const child = pointIds[parent].slice();
        child[pos] = tok;
        if (seen.has(key(child))) { stats.cacheHits++; continue; }
        if (rand() < 0.004) { stats.rejections++; seen.add(key(child)); continue; }
        children.push(evalPrompt(child, it));
        made++;
      }
    });
    stats.evaluations += children.length;
    const pool = [...new Set([...members, ...children])];
    prevMembers = members;
    let restart = null;
    if (restartEvery > 0 && it > 0 && it % restartEvery === 0) {
      const lam = 0.667 + (6 - 0.667) * rand();
      let best = pool[0];
      for (const h of pool) if (loss(h, lam) < loss(best, lam)) best = h;
      members = members.map(() => best);
      restart = { lambda: round(lam, 3), historyIndex: historyBase + best };
      stats.restarts++;
    } else {
      members = members.map((inc, j) => {
        let best = inc;
        for (const h of children) if (loss(h, lambdas[j]) < loss(best, lambdas[j])) best = h;
        return best;
      });
    }
    const jitter = () => 0.85 + 0.3 * rand();
    const t = { gradientMs: round(38 * newMembers * jitter(), 1), proposalMs: round(6 * jitter(), 1), scoringMs: round(420 * jitter(), 1), selectionMs: round(1.5 * jitter(), 2) };
    t.totalMs = round(t.gradientMs + t.proposalMs + t.scoringMs + t.selectionMs, 1);
    messages.push(message(it, restart, t));
  }
  messages.push({ type: 'runState', state: 'done' });
  messages.push(datasetMessage(world, rand, seqLen));
  return { format: 'reverie-panel-run/1', world, messages, pointIds };
}

/** "Max-activating dataset examples": the best of many fluent samples from the bigram table. */
function datasetMessage(world, rand, seqLen) {
  const samples = [];
  for (let s = 0; s < 4000; s++) {
    const ids = [Math.floor(rand() * world.V)];
    while (ids.length < seqLen) {
      const f = [...world.follow[ids[ids.length - 1]].keys()];
      ids.push(rand() < 0.8 ? f[Math.floor(rand() * f.length)] : Math.floor(rand() * world.V));
    }
    samples.push({ ids, f: featureOf(world, ids), x: xeOf(world, ids) });
  }
  samples.sort((a, b) => b.f - a.f);
  const top = samples.slice(0, 40);
  return {
    type: 'dataset', source: 'synthetic corpus, 4k samples',
    feature: top.map((s) => round(s.f)), xe: top.map((s) => round(s.x)), text: top.map((s) => text(world, s.ids)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
  const run = generateRun({ seed: Number(arg('seed', 0)), iterations: Number(arg('iterations', 300)) });
  const out = arg('out', 'synthetic-run.json');
  writeFileSync(out, JSON.stringify({ format: run.format, messages: run.messages, pointIds: run.pointIds, vocab: run.world.vocab }));
  const last = run.messages.filter((m) => m.type === 'iteration').at(-1);
  console.log(`wrote ${out}: ${run.messages.length} messages, ${run.pointIds.length} points, best@XE<4 ${last.stats.bestAtXe4}, best@XE<6 ${last.stats.bestAtXe6}`);
}
