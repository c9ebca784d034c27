#!/usr/bin/env node
// Generates the TCF v2.2/v2.3 TC string and IAB GPP string fixtures in this folder with the
// IAB Tech Lab's own JavaScript libraries (@iabtechlabtcf/core and @iabgpp/cmpapi).
//
//   npm ci && node generate.mjs
//
// Deterministic: a seeded PRNG drives every choice and every date is fixed, so two runs write
// byte-identical files. Nothing is fetched from the network: the TCF encoder needs a Global
// Vendor List, so an in-memory one is built here (vendor ids 1..GVL_MAX_VENDOR, every vendor
// declaring purposes 1-11 for consent, LI and flexible basis, so the encoder's GVL-based
// filtering never removes anything and publisher-restriction ranges only merge truly
// contiguous ids).
//
// Besides writing the fixtures the script cross-checks itself, and aborts on any mismatch:
//  * every valid TC string: TCString.decode(string) re-encodes (TCString.encode) to the same
//    string, the decoded JSON equals the JSON the string was generated from, and an
//    independent bit writer in this file (implementing the rules written in README.md)
//    produces the same string from the decoded JSON;
//  * the bitfield-vs-range rule stated in README.md is checked against the library's
//    VendorVectorEncoder on thousands of random vendor sets;
//  * every valid GPP string: new GppModel(string) decodes to the JSON it was generated from,
//    and the independent writer re-encodes the decoded JSON to the same string.
// Valid TC strings that fail the re-encode check are dropped and counted (README.md says how
// many); any other mismatch is a bug in this script and stops it.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TCModel, TCString, GVL, PurposeRestriction, Vector, VendorVectorEncoder } from '@iabtechlabtcf/core';
import * as GPP from '@iabgpp/cmpapi';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const pkgVersion = (name) =>
  JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
const TCF_LIB_VERSION = pkgVersion('@iabtechlabtcf/core');
const GPP_LIB_VERSION = pkgVersion('@iabgpp/cmpapi');

// ---------------------------------------------------------------------------------------------
// Deterministic PRNG (sfc32)
// ---------------------------------------------------------------------------------------------
function sfc32(a, b, c, d) {
  return function () {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}
const rnd = sfc32(0x9e3779b9, 0x243f6a88, 0xb7e15162, 20260301);
for (let i = 0; i < 64; i++) rnd();
const R = {
  int: (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1)),
  chance: (p) => rnd() < p,
  pick: (a) => a[Math.floor(rnd() * a.length)],
  subset: (a, p) => a.filter(() => rnd() < p),
  sample(lo, hi, k) {
    const n = hi - lo + 1;
    k = Math.max(0, Math.min(k, n));
    const s = new Set();
    while (s.size < k) s.add(R.int(lo, hi));
    return [...s].sort((x, y) => x - y);
  },
};
const range = (lo, hi) => Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
const uniqSorted = (a) => [...new Set(a)].sort((x, y) => x - y);

function fail(msg) {
  console.error('generate.mjs: ' + msg);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Bits and base64url
// ---------------------------------------------------------------------------------------------
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function intBits(v, w) {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** w) throw new Error(`value ${v} does not fit ${w} bits`);
  return v.toString(2).padStart(w, '0');
}
// 'tcf': to a multiple of 24 bits (what @iabtechlabtcf/core and the GPP "traditional" encoder do)
// 'compressed': to a multiple of 8, then to a multiple of 6 (the GPP "compressed" encoder)
// 'six': to a multiple of 6 only
function padBits(bits, mode) {
  if (mode === 'tcf') while (bits.length % 24) bits += '0';
  else if (mode === 'compressed') {
    while (bits.length % 8) bits += '0';
    while (bits.length % 6) bits += '0';
  } else while (bits.length % 6) bits += '0';
  return bits;
}
function bitsToB64(bits) {
  if (bits.length % 6) throw new Error('bit string not a multiple of 6');
  let s = '';
  for (let i = 0; i < bits.length; i += 6) s += B64[parseInt(bits.slice(i, i + 6), 2)];
  return s;
}
function b64ToBits(s) {
  let out = '';
  for (const c of s) {
    const i = B64.indexOf(c);
    if (i < 0) throw new Error(`not base64url: ${JSON.stringify(c)}`);
    out += intBits(i, 6);
  }
  return out;
}
const setBit = (bits, i, v) => bits.slice(0, i) + v + bits.slice(i + 1);
const replaceBits = (bits, start, repl) => bits.slice(0, start) + repl + bits.slice(start + repl.length);

class BitWriter {
  constructor() { this.s = ''; this.marks = {}; }
  mark(name, fn) { const st = this.s.length; fn(); this.marks[name] = [st, this.s.length]; }
  int(v, w, name) { const st = this.s.length; this.s += intBits(v, w); if (name) this.marks[name] = [st, this.s.length]; }
  bool(v, name) { this.int(v ? 1 : 0, 1, name); }
  raw(bits, name) { const st = this.s.length; this.s += bits; if (name) this.marks[name] = [st, this.s.length]; }
}

// Decisecond ISO-8601 UTC: 2026-03-01T12:34:56.7Z
function iso(date) {
  const t = date instanceof Date ? date.getTime() : date;
  if (t % 100 !== 0) throw new Error('timestamp not on a decisecond');
  return new Date(t).toISOString().replace(/\.(\d)\d\dZ$/, '.$1Z');
}
const isoToDs = (s) => Date.parse(s) / 100;
const toRuns = (ids) => {
  const runs = [];
  for (const id of ids) {
    const last = runs[runs.length - 1];
    if (last && last[1] + 1 === id) last[1] = id;
    else runs.push([id, id]);
  }
  return runs;
};
const bitfieldFromIds = (ids, n) => { const set = new Set(ids); return range(1, n).map((i) => (set.has(i) ? '1' : '0')).join(''); };
const idsFromBools = (bools) => bools.flatMap((b, i) => (b ? [i + 1] : []));
const boolsFromIds = (ids, n) => { const set = new Set(ids); return range(1, n).map((i) => set.has(i)); };
const snake = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
const errText = (e) => `${e?.name || 'Error'}: ${String(e?.message ?? e).slice(0, 160)}`;

// =============================================================================================
// TCF v2 (TC strings) with @iabtechlabtcf/core
// =============================================================================================
const GVL_MAX_VENDOR = 1300;
// TCF v2.3: strings created from 1 March 2026 (after the 28 February deadline) need the segment.
const TCF_DV_DEADLINE = Date.parse('2026-03-01T00:00:00Z');

const gvlJson = (() => {
  const named = (ids, what) => Object.fromEntries(ids.map((i) => [i, { id: i, name: `${what} ${i}`, description: '', illustrations: [] }]));
  const vendors = {};
  for (const id of range(1, GVL_MAX_VENDOR)) {
    vendors[id] = {
      id, name: `Vendor ${id}`,
      purposes: range(1, 11), legIntPurposes: range(1, 11), flexiblePurposes: range(1, 11),
      specialPurposes: [1, 2], features: [1, 2, 3], specialFeatures: [1, 2],
      policyUrl: `https://vendor${id}.example/privacy`, cookieMaxAgeSeconds: 86400,
      usesCookies: true, cookieRefresh: false, usesNonCookieAccess: false,
    };
  }
  return {
    gvlSpecificationVersion: 3, lastUpdated: '2026-01-01T00:00:00Z',
    purposes: named(range(1, 11), 'Purpose'), specialPurposes: named([1, 2, 3], 'Special purpose'),
    features: named([1, 2, 3], 'Feature'), specialFeatures: named([1, 2], 'Special feature'),
    stacks: {}, dataCategories: {}, vendors,
  };
})();
const gvlCache = new Map();
function makeGvl(vlv, policy, lang) {
  const key = `${vlv}/${policy}/${lang}`;
  if (!gvlCache.has(key)) gvlCache.set(key, new GVL({ ...gvlJson, vendorListVersion: vlv, tcfPolicyVersion: policy }, { language: lang }));
  return gvlCache.get(key);
}
// GVL languages (the TC string's ConsentLanguage is the first two letters, upper-cased).
const GVL_LANGS = ['EN', 'DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'PT-BR', 'PT-PT', 'SV', 'DA', 'FI', 'CS', 'EL', 'HU', 'RO', 'SK',
  'SL', 'BG', 'HR', 'ET', 'LV', 'LT', 'NO', 'CA', 'EU', 'GL', 'JA', 'ZH', 'ZH-HANT', 'KO', 'TR', 'UK', 'RU', 'AR', 'HE', 'SR-LATN', 'BS', 'MT', 'SQ', 'VI'];
const PUB_CCS = ['DE', 'FR', 'GB', 'IT', 'ES', 'NL', 'PL', 'SE', 'AT', 'BE', 'IE', 'DK', 'FI', 'PT', 'CZ', 'US', 'CH', 'NO', 'AA', 'ZZ'];

// ---- the library's bitfield/range choice for a vendor set, as documented in README.md -------
function tcfLibRangeCost(ids) {
  // the encoder's running estimate just before it visits MaxVendorId
  const runs = toRuns(ids);
  let L = 16 + 1 + 12;
  for (let i = 0; i < runs.length - 1; i++) L += runs[i][0] === runs[i][1] ? 16 : 33;
  const last = runs[runs.length - 1];
  if (last[0] !== last[1]) L += 17;
  return L;
}
function tcfLibUsesRange(ids) {
  if (ids.length === 0) return false;
  const maxId = ids[ids.length - 1];
  if (maxId <= 45) return false;
  return tcfLibRangeCost(ids) < 16 + 1 + maxId;
}
const tcfMargin = (ids) => 16 + 1 + ids[ids.length - 1] - tcfLibRangeCost(ids); // > 0 <=> range (when MaxVendorId > 45)

// ---- independent TC string writer (implements README.md; checked against the library) -------
function tcVendorVector(bw, ids, prefix) {
  const maxId = ids.length ? ids[ids.length - 1] : 0;
  bw.int(maxId, 16, `${prefix}.max`);
  const useRange = tcfLibUsesRange(ids);
  bw.bool(useRange, `${prefix}.type`);
  if (useRange) {
    const runs = toRuns(ids);
    bw.int(runs.length, 12, `${prefix}.num`);
    runs.forEach(([s, e], i) => bw.mark(`${prefix}.e${i}`, () => {
      bw.bool(s !== e); bw.int(s, 16); if (s !== e) bw.int(e, 16);
    }));
  } else {
    bw.raw(bitfieldFromIds(ids, maxId), `${prefix}.bitfield`);
  }
}
function tcLetters(bw, code, name) {
  bw.mark(name, () => { for (const c of code) bw.int(c.charCodeAt(0) - 65, 6); });
}
function tcRestrictions(bw, restrictions) {
  bw.int(restrictions.length, 12, 'pr.num');
  restrictions.forEach((r, i) => bw.mark(`pr.r${i}`, () => {
    bw.int(r.purpose_id, 6); bw.int(r.restriction_type, 2);
    const runs = toRuns(r.vendor_ids);
    bw.int(runs.length, 12);
    runs.forEach(([s, e], j) => bw.mark(`pr.r${i}.e${j}`, () => {
      bw.bool(s !== e); bw.int(s, 16); if (s !== e) bw.int(e, 16);
    }));
  }));
}
// returns [{type, bits (unpadded), marks}] in string order
function tcWriteSegments(d) {
  const segs = [];
  const core = new BitWriter();
  core.int(d.version, 6, 'version');
  core.int(isoToDs(d.created), 36, 'created');
  core.int(isoToDs(d.last_updated), 36, 'last_updated');
  core.int(d.cmp_id, 12, 'cmp_id');
  core.int(d.cmp_version, 12, 'cmp_version');
  core.int(d.consent_screen, 6, 'consent_screen');
  tcLetters(core, d.consent_language, 'consent_language');
  core.int(d.vendor_list_version, 12, 'vendor_list_version');
  core.int(d.tcf_policy_version, 6, 'tcf_policy_version');
  core.bool(d.is_service_specific, 'is_service_specific');
  core.bool(d.use_non_standard_texts, 'use_non_standard_texts');
  core.raw(bitfieldFromIds(d.special_feature_optins, 12), 'special_feature_optins');
  core.raw(bitfieldFromIds(d.purpose_consents, 24), 'purpose_consents');
  core.raw(bitfieldFromIds(d.purpose_legitimate_interests, 24), 'purpose_legitimate_interests');
  core.bool(d.purpose_one_treatment, 'purpose_one_treatment');
  tcLetters(core, d.publisher_cc, 'publisher_cc');
  core.mark('vc', () => tcVendorVector(core, d.vendor_consents, 'vc'));
  core.mark('vli', () => tcVendorVector(core, d.vendor_legitimate_interests, 'vli'));
  core.mark('pr', () => tcRestrictions(core, d.publisher_restrictions));
  segs.push({ type: 0, bits: core.s, marks: core.marks });
  if (d.disclosed_vendors) {
    const bw = new BitWriter();
    bw.int(1, 3, 'segment_type');
    bw.mark('dv', () => tcVendorVector(bw, d.disclosed_vendors, 'dv'));
    segs.push({ type: 1, bits: bw.s, marks: bw.marks });
  }
  if (d.publisher_tc) {
    const p = d.publisher_tc;
    const bw = new BitWriter();
    bw.int(3, 3, 'segment_type');
    bw.raw(bitfieldFromIds(p.purpose_consents, 24), 'pub_consents');
    bw.raw(bitfieldFromIds(p.purpose_legitimate_interests, 24), 'pub_li');
    bw.int(p.num_custom_purposes, 6, 'num_custom');
    bw.raw(bitfieldFromIds(p.custom_purpose_consents, p.num_custom_purposes), 'custom_consents');
    bw.raw(bitfieldFromIds(p.custom_purpose_legitimate_interests, p.num_custom_purposes), 'custom_li');
    segs.push({ type: 3, bits: bw.s, marks: bw.marks });
  }
  return segs;
}
const tcSegToB64 = (seg) => bitsToB64(padBits(seg.bits, 'tcf'));
const tcOwnEncode = (d) => tcWriteSegments(d).map(tcSegToB64).join('.');

// ---- library encode / decode ------------------------------------------------------------------
function tcSegmentNames(d) {
  return ['core', ...(d.disclosed_vendors ? ['vendorsDisclosed'] : []), ...(d.publisher_tc ? ['publisherTC'] : [])];
}
function tcLibModel(d, gvlLang) {
  const gvl = makeGvl(d.vendor_list_version, d.tcf_policy_version, gvlLang);
  const m = new TCModel(gvl);
  m.cmpId = d.cmp_id;
  m.cmpVersion = d.cmp_version;
  m.consentScreen = d.consent_screen;
  m.isServiceSpecific = d.is_service_specific;
  m.useNonStandardTexts = d.use_non_standard_texts;
  m.purposeOneTreatment = d.purpose_one_treatment;
  m.publisherCountryCode = d.publisher_cc;
  m.created = new Date(Date.parse(d.created));
  m.lastUpdated = new Date(Date.parse(d.last_updated));
  m.specialFeatureOptins.set(d.special_feature_optins);
  m.purposeConsents.set(d.purpose_consents);
  m.purposeLegitimateInterests.set(d.purpose_legitimate_interests);
  m.vendorConsents.set(d.vendor_consents);
  m.vendorLegitimateInterests.set(d.vendor_legitimate_interests);
  for (const r of d.publisher_restrictions) {
    for (const v of r.vendor_ids) m.publisherRestrictions.add(v, new PurposeRestriction(r.purpose_id, r.restriction_type));
  }
  if (d.disclosed_vendors) m.vendorsDisclosed.set(d.disclosed_vendors);
  if (d.publisher_tc) {
    const p = d.publisher_tc;
    m.publisherConsents.set(p.purpose_consents);
    m.publisherLegitimateInterests.set(p.purpose_legitimate_interests);
    m.numCustomPurposes = p.num_custom_purposes;
    m.publisherCustomConsents.set(p.custom_purpose_consents);
    m.publisherCustomLegitimateInterests.set(p.custom_purpose_legitimate_interests);
  }
  return m;
}
const tcLibEncode = (d, gvlLang) => TCString.encode(tcLibModel(d, gvlLang), { segments: tcSegmentNames(d) });

function tcSegmentTypesOf(str) {
  return str.split('.').map((seg) => (seg.length ? B64.indexOf(seg[0]) >> 3 : -1));
}
function tcSchemaFromModel(m, str) {
  const ids = (v) => [...v.values()].sort((a, b) => a - b);
  const types = tcSegmentTypesOf(str);
  const pr = m.publisherRestrictions;
  const restrictions = pr.getRestrictions().map((r) => ({
    purpose_id: r.purposeId, restriction_type: r.restrictionType, vendor_ids: pr.getVendors(r),
  })).sort((a, b) => a.purpose_id - b.purpose_id || a.restriction_type - b.restriction_type);
  const d = {
    version: m.version,
    created: iso(m.created),
    last_updated: iso(m.lastUpdated),
    cmp_id: m.cmpId,
    cmp_version: m.cmpVersion,
    consent_screen: m.consentScreen,
    consent_language: m.consentLanguage,
    vendor_list_version: m.vendorListVersion,
    tcf_policy_version: m.policyVersion,
    is_service_specific: m.isServiceSpecific,
    use_non_standard_texts: m.useNonStandardTexts,
    special_feature_optins: ids(m.specialFeatureOptins),
    purpose_consents: ids(m.purposeConsents),
    purpose_legitimate_interests: ids(m.purposeLegitimateInterests),
    purpose_one_treatment: m.purposeOneTreatment,
    publisher_cc: m.publisherCountryCode,
    vendor_consents: ids(m.vendorConsents),
    vendor_legitimate_interests: ids(m.vendorLegitimateInterests),
    publisher_restrictions: restrictions,
  };
  if (types.includes(1)) d.disclosed_vendors = ids(m.vendorsDisclosed);
  if (types.includes(3)) {
    d.publisher_tc = {
      purpose_consents: ids(m.publisherConsents),
      purpose_legitimate_interests: ids(m.publisherLegitimateInterests),
      num_custom_purposes: m.numCustomPurposes,
      custom_purpose_consents: ids(m.publisherCustomConsents),
      custom_purpose_legitimate_interests: ids(m.publisherCustomLegitimateInterests),
    };
  }
  return d;
}
function tcJsAccepts(str) {
  try { TCString.decode(str); return { ok: true }; } catch (e) { return { ok: false, err: errText(e) }; }
}

// ---- vendor-set shapes ------------------------------------------------------------------------
// A vendor set whose bitfield/range decision sits exactly `margin` bits from the TCF library's
// tie (margin <= 0: bitfield; margin >= 1: range). lastIsRun: whether the set ends in a run.
function tcfBoundarySet(margin, lastIsRun) {
  for (;;) {
    const k = R.int(3, 30);
    const body = R.sample(1, Math.max(8, 7 * k), k);
    const runs = toRuns(body);
    let L = 29;
    for (const [s, e] of runs) L += s === e ? 16 : 33;
    const runLen = lastIsRun ? R.int(2, 6) : 1;
    if (lastIsRun) L += 17;
    const maxId = L - 17 + margin;
    const start = maxId - runLen + 1;
    if (maxId <= 45 || start <= body[body.length - 1] + 1) continue;
    const ids = [...body, ...range(start, maxId)];
    if (tcfMargin(ids) !== margin) throw new Error('boundary construction broken');
    return ids;
  }
}
// Same for the GPP OptimizedFixedRange / OptimizedFibonacciRange rule: range iff rangeBits <= max.
function gppBoundarySet(margin, costOf) {
  for (;;) {
    const k = R.int(3, 30);
    const body = R.sample(1, Math.max(8, 7 * k), k);
    // the last single's cost can depend on its value (Fibonacci deltas): iterate to a fixed point
    let maxId = body[body.length - 1] + 2;
    for (let i = 0; i < 8; i++) maxId = Math.max(body[body.length - 1] + 2, costOf([...body, maxId]) + margin);
    const ids = [...body, maxId];
    if (maxId - costOf(ids) !== margin) continue;
    return ids;
  }
}
function vendorSet(shape, opts = {}) {
  const cap = opts.cap ?? 1250;
  switch (shape) {
    case 'empty': return [];
    case 'typical': { // ~200 vendors scattered over a real-world-sized id space: bitfield
      const maxV = R.int(700, cap);
      return R.sample(1, maxV, R.int(150, 260));
    }
    case 'clustered': { // ~200 vendors in runs
      const maxV = R.int(600, cap);
      const target = R.int(120, 240);
      const s = new Set();
      while (s.size < target) { const a = R.int(1, maxV); for (let i = a; i < Math.min(maxV, a + R.int(1, 25)); i++) s.add(i); }
      return uniqSorted([...s]);
    }
    case 'sparse': return R.sample(1, R.int(60, cap), R.int(1, 25));
    case 'runs': {
      const s = [];
      for (let n = R.int(1, 6); n > 0; n--) { const a = R.int(1, cap - 100); s.push(...range(a, a + R.int(1, 90))); }
      return uniqSorted(s);
    }
    case 'small': return R.sample(1, R.int(1, 45), R.int(1, 30));
    case 'contiguous': return range(1, R.int(46, cap));
    case 'one': return [R.int(1, cap)];
    case 'max': return uniqSorted([...R.sample(1, cap, R.int(100, 220)), cap]);
    case 'boundary': return tcfBoundarySet(R.pick([-2, -1, 0, 1, 2]), R.chance(0.4));
    default: throw new Error(shape);
  }
}
const pickShape = (weights) => {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  let x = rnd() * total;
  for (const [k, w] of Object.entries(weights)) { x -= w; if (x < 0) return k; }
  return Object.keys(weights)[0];
};

// ---- random TC specs ----------------------------------------------------------------------------
const LI_OK = [2, 7, 8, 9, 10, 11];
function randomTimes(policy, needsEarly) {
  const midnight = R.chance(0.5);
  let from, to;
  if (policy === 4) { from = Date.parse('2023-06-01T00:00:00Z'); to = Date.parse('2025-12-31T00:00:00Z'); }
  else if (needsEarly) { from = Date.parse('2025-06-01T00:00:00Z'); to = Date.parse('2026-02-20T00:00:00Z'); }
  else { from = Date.parse('2025-06-01T00:00:00Z'); to = Date.parse('2026-12-31T00:00:00Z'); }
  let created = from + Math.floor(rnd() * (to - from));
  created -= midnight ? created % 86400000 : created % 100;
  let updated = created;
  if (R.chance(0.6)) {
    updated += R.int(0, needsEarly ? 5 : 120) * 86400000;
    if (!midnight) updated += R.int(0, 86399) * 1000 + R.int(0, 9) * 100;
  }
  if (needsEarly && updated >= TCF_DV_DEADLINE) updated = created;
  return { created: iso(created), last_updated: iso(updated) };
}
function randomPurposeConsents() {
  const r = rnd();
  if (r < 0.3) return range(1, 11);
  if (r < 0.4) return [];
  if (r < 0.9) return R.subset(range(1, 11), 0.6);
  return uniqSorted([...R.subset(range(1, 11), 0.6), ...R.sample(12, 24, R.int(1, 4))]);
}
function randomRestrictions() {
  if (R.chance(0.55)) return [];
  const pairs = new Map();
  for (let n = R.int(1, 5); n > 0; n--) {
    const purpose = R.chance(0.05) ? 1 : R.int(2, 11);
    const type = purpose === 1 ? 0 : R.int(0, 2);
    const ids = [];
    for (let k = R.int(1, 6); k > 0; k--) {
      const a = R.int(1, 1200);
      ids.push(...(R.chance(0.4) ? range(a, a + R.int(1, 30)) : [a]));
    }
    pairs.set(`${purpose}-${type}`, { purpose_id: purpose, restriction_type: type, vendor_ids: uniqSorted(ids) });
  }
  return [...pairs.values()].sort((a, b) => a.purpose_id - b.purpose_id || a.restriction_type - b.restriction_type);
}
function randomPublisherTc() {
  const n = R.chance(0.35) ? 0 : R.chance(0.1) ? R.int(16, 63) : R.int(1, 15);
  return {
    purpose_consents: R.chance(0.1) ? uniqSorted([...R.subset(range(1, 11), 0.6), ...R.sample(12, 24, 2)]) : R.subset(range(1, 11), 0.6),
    purpose_legitimate_interests: R.subset(LI_OK, 0.5),
    num_custom_purposes: n,
    custom_purpose_consents: R.subset(range(1, n), 0.5),
    custom_purpose_legitimate_interests: R.subset(range(1, n), 0.3),
  };
}
// `o` may force any field or: segs ('core'|'dv'|'pt'|'dvpt'), vc/vli/dv (shape names or arrays)
function randomTcSpec(o = {}) {
  const policy = o.policy ?? (R.chance(0.3) ? 4 : 5);
  const isSS = o.is_service_specific ?? R.chance(0.7);
  const segs = o.segs ?? pickShape({ dv: 40, dvpt: 25, core: 15, pt: 20 });
  const hasDV = segs === 'dv' || segs === 'dvpt';
  const hasPT = segs === 'pt' || segs === 'dvpt';
  const lang = o.lang ?? R.pick(GVL_LANGS);
  const times = randomTimes(policy, !hasDV && policy >= 5);
  const shapeOf = (v, w) => (Array.isArray(v) ? v : vendorSet(v ?? pickShape(w)));
  const vc = shapeOf(o.vc, { typical: 50, clustered: 10, sparse: 8, runs: 7, small: 4, empty: 5, boundary: 9, contiguous: 3, one: 2, max: 2 });
  let vli;
  if (o.vli !== undefined) vli = shapeOf(o.vli);
  else {
    const r = rnd();
    vli = r < 0.35 ? R.subset(vc, 0.35) : r < 0.55 ? vendorSet('sparse') : r < 0.7 ? [] : r < 0.85 ? R.sample(1, R.int(300, 1250), R.int(20, 90)) : vendorSet(pickShape({ boundary: 1, runs: 1, small: 1 }));
  }
  let dv;
  if (hasDV) {
    if (o.dv !== undefined) dv = shapeOf(o.dv);
    else {
      const r = rnd();
      dv = r < 0.6 ? uniqSorted([...vc, ...vli, ...R.sample(1, 1250, R.int(0, 80))]) : r < 0.7 ? [] : vendorSet(pickShape({ typical: 2, sparse: 1, runs: 1, boundary: 1, contiguous: 1 }));
    }
  }
  const d = {
    version: 2,
    created: times.created,
    last_updated: times.last_updated,
    cmp_id: R.chance(0.2) ? R.pick([2, 3, 10, 28, 300, 1000, 4095]) : R.int(2, 4095),
    cmp_version: R.chance(0.6) ? R.int(0, 60) : R.int(0, 4095),
    consent_screen: R.chance(0.7) ? R.int(0, 5) : R.int(0, 63),
    consent_language: lang.slice(0, 2),
    vendor_list_version: policy === 4 ? R.int(1, 140) : R.chance(0.9) ? R.int(100, 200) : R.int(1, 4095),
    tcf_policy_version: policy,
    is_service_specific: isSS,
    use_non_standard_texts: R.chance(0.2),
    special_feature_optins: R.chance(0.85) ? R.subset([1, 2], 0.6) : R.subset(range(1, 12), 0.4),
    purpose_consents: randomPurposeConsents(),
    purpose_legitimate_interests: R.chance(0.92) ? R.subset(LI_OK, 0.6) : uniqSorted([...R.subset(LI_OK, 0.5), ...R.sample(12, 24, 2)]),
    purpose_one_treatment: isSS ? R.chance(0.15) : false,
    publisher_cc: R.pick(PUB_CCS),
    vendor_consents: vc,
    vendor_legitimate_interests: vli,
    publisher_restrictions: o.restrictions ?? randomRestrictions(),
  };
  if (hasDV) d.disclosed_vendors = dv;
  if (hasPT) d.publisher_tc = o.publisher_tc ?? randomPublisherTc();
  for (const k of Object.keys(o)) if (k in d && !['vc', 'vli', 'dv'].includes(k)) d[k] = o[k];
  return { d, gvlLang: lang };
}

// ---- build the valid TC fixtures -----------------------------------------------------------------
function buildTcValid() {
  const specs = [];
  // hand-picked edges first
  specs.push(randomTcSpec({ vc: 'empty', vli: 'empty', segs: 'dv', dv: 'empty', restrictions: [], purpose_consents: [], purpose_legitimate_interests: [], special_feature_optins: [] }));
  specs.push(randomTcSpec({ segs: 'dvpt', cmp_id: 4095, cmp_version: 4095, consent_screen: 63, vendor_list_version: 4095, vc: 'max', vli: 'one',
    publisher_tc: { purpose_consents: range(1, 24), purpose_legitimate_interests: LI_OK, num_custom_purposes: 63, custom_purpose_consents: range(1, 63), custom_purpose_legitimate_interests: [1, 63] },
    special_feature_optins: range(1, 12), purpose_consents: range(1, 24), purpose_legitimate_interests: [...LI_OK, ...range(12, 24)] }));
  specs.push(randomTcSpec({ segs: 'core', policy: 4, is_service_specific: false, vc: 'contiguous', vli: 'contiguous' }));
  specs.push(randomTcSpec({ segs: 'pt', policy: 5, vc: 'small', vli: 'small',
    publisher_tc: { purpose_consents: [], purpose_legitimate_interests: [], num_custom_purposes: 0, custom_purpose_consents: [], custom_purpose_legitimate_interests: [] } }));
  specs.push(randomTcSpec({ segs: 'dv', vc: [1], vli: [46], dv: [1, 2, 3] }));
  specs.push(randomTcSpec({ segs: 'dv', vc: [1250], vli: range(1, 45), dv: range(1, 1250) }));
  // all three restriction types on several purposes in one string
  specs.push(randomTcSpec({ segs: 'dvpt', is_service_specific: true, restrictions: [
    { purpose_id: 1, restriction_type: 0, vendor_ids: [5, 6, 7, 99] },
    { purpose_id: 2, restriction_type: 0, vendor_ids: [10] }, { purpose_id: 2, restriction_type: 1, vendor_ids: range(20, 40) },
    { purpose_id: 2, restriction_type: 2, vendor_ids: [41, 43, 45, 1200] }, { purpose_id: 7, restriction_type: 1, vendor_ids: [1, 2, 1100, 1101] },
    { purpose_id: 10, restriction_type: 2, vendor_ids: range(700, 900) }, { purpose_id: 11, restriction_type: 0, vendor_ids: [1250] }] }));
  // the bitfield/range tie for every margin, ending in a single id and in a run
  for (const margin of [-2, -1, 0, 1, 2, 3]) for (const lastIsRun of [false, true]) {
    specs.push(randomTcSpec({ vc: tcfBoundarySet(margin, lastIsRun), vli: R.chance(0.5) ? tcfBoundarySet(R.pick([0, 1]), !lastIsRun) : 'sparse' }));
  }
  specs.push(randomTcSpec({ segs: 'dv', dv: tcfBoundarySet(0, false) }));
  specs.push(randomTcSpec({ segs: 'dv', dv: tcfBoundarySet(1, true) }));
  // policy 4 / 5 x service-specific x segment layout, several of each
  for (const policy of [4, 5]) for (const isSS of [true, false]) for (const segs of ['core', 'dv', 'pt', 'dvpt']) {
    specs.push(randomTcSpec({ policy, is_service_specific: isSS, segs }));
  }
  while (specs.length < 300) specs.push(randomTcSpec());

  const out = [];
  const dropped = [];
  for (const { d, gvlLang } of specs) {
    const str = tcLibEncode(d, gvlLang);
    const m = TCString.decode(str);
    const decoded = tcSchemaFromModel(m, str);
    if (JSON.stringify(decoded) !== JSON.stringify(d)) {
      fail(`decoded TC differs from its spec\n spec    ${JSON.stringify(d).slice(0, 400)}\n decoded ${JSON.stringify(decoded).slice(0, 400)}`);
    }
    m.gvl = makeGvl(d.vendor_list_version, d.tcf_policy_version, gvlLang);
    const again = TCString.encode(m, { segments: tcSegmentNames(d) });
    if (again !== str) { dropped.push({ string: str, reencoded: again }); continue; }
    const own = tcOwnEncode(decoded);
    if (own !== str) fail(`own TC writer disagrees with the library\n lib ${str}\n own ${own}`);
    out.push({ string: str, decoded });
  }
  return { valid: out, dropped };
}

// Checks the documented bitfield/range rule against the library's own VendorVectorEncoder.
function checkTcfRangeRule() {
  let n = 0, ranges = 0, ties = 0;
  const check = (ids) => {
    const v = new Vector();
    v.set(ids);
    const bits = VendorVectorEncoder.encode(v);
    const libRange = bits[16] === '1';
    if (libRange !== tcfLibUsesRange(ids)) fail(`range rule mismatch for ${JSON.stringify(ids)}`);
    n++; if (libRange) ranges++;
    if (ids.length && ids[ids.length - 1] > 45 && Math.abs(tcfMargin(ids)) <= 1) ties++;
  };
  for (let i = 0; i < 4000; i++) {
    check(vendorSet(pickShape({ typical: 2, clustered: 2, sparse: 2, runs: 2, small: 1, contiguous: 1, one: 1, boundary: 4 })));
    check(tcfBoundarySet(R.int(-3, 3), R.chance(0.5)));
  }
  for (let m = 1; m <= 120; m++) for (let k = 1; k <= 6; k++) check(R.sample(1, m, Math.min(m, k))); // small maxima
  // README.md's example: the library picks a 199-bit range encoding over a 174-bit bitfield
  const ex = new Vector();
  ex.set([50, 52, 54, 56, 58, 60, 62, 64, 66, 157]);
  const exBits = VendorVectorEncoder.encode(ex);
  if (exBits[16] !== '1' || exBits.length !== 199) fail('README range example no longer holds');
  // and a bitfield for {45} although a range would be shorter (46 vs 62 bits)
  const ex2 = new Vector();
  ex2.set([45]);
  if (VendorVectorEncoder.encode(ex2).length !== 62) fail('README bitfield example no longer holds');
  return { checked: n, range_encoded: ranges, within_one_bit_of_tie: ties };
}

// ---- invalid TC strings ---------------------------------------------------------------------------
function buildTcInvalid(valid) {
  const out = [];
  const add = (rule, string, note) => {
    const r = tcJsAccepts(string);
    out.push({ string, rule, js_accepts: r.ok, note: r.ok ? note : `${note} [JS throws ${r.err}]` });
  };
  const segsOf = (fx) => tcWriteSegments(fx.decoded);
  const join = (segs) => segs.map((s) => (typeof s === 'string' ? s : tcSegToB64(s))).join('.');
  const idx = (fx) => valid.indexOf(fx);
  const find = (pred, from = 0) => {
    for (let i = 0; i < valid.length; i++) { const fx = valid[(from + i) % valid.length]; if (pred(fx)) return fx; }
    fail('no valid fixture matches a needed invalid-case base');
  };
  const withCore = (fx, bits) => { const segs = segsOf(fx); segs[0] = { ...segs[0], bits }; return join(segs); };
  const vvBits = (maxId, entries) => intBits(maxId, 16) + '1' + intBits(entries.length, 12) +
    entries.map(([s, e]) => (e === undefined ? '0' + intBits(s, 16) : '1' + intBits(s, 16) + intBits(e, 16))).join('');
  const spliceCore = (fx, markName, repl) => {
    const seg = segsOf(fx)[0];
    const [s, e] = seg.marks[markName];
    return withCore(fx, seg.bits.slice(0, s) + repl + seg.bits.slice(e));
  };

  // bad_base64
  {
    const bases = [valid[10], valid[40], valid[70], valid[100], valid[130], valid[160], valid[190]];
    const sub = (s, i, c) => s.slice(0, i) + c + s.slice(i + 1);
    add('bad_base64', sub(bases[0].string, 5, '+'), `tcf_valid[${idx(bases[0])}] with character 5 replaced by '+'`);
    add('bad_base64', sub(bases[1].string, 17, '/'), `tcf_valid[${idx(bases[1])}] with character 17 replaced by '/'`);
    add('bad_base64', bases[2].string.split('.')[0] + '==', `core segment of tcf_valid[${idx(bases[2])}] with '==' padding appended`);
    add('bad_base64', sub(bases[3].string, 3, '!'), `tcf_valid[${idx(bases[3])}] with character 3 replaced by '!'`);
    add('bad_base64', sub(bases[4].string, 9, ' '), `tcf_valid[${idx(bases[4])}] with character 9 replaced by a space`);
    add('bad_base64', bases[5].string.replace(/-/g, '+').replace(/_/g, '/').replace(/^(.{7})./, '$1+'), `tcf_valid[${idx(bases[5])}] in the standard base64 alphabet ('+' and '/' instead of '-' and '_')`);
    add('bad_base64', sub(bases[6].string, 12, '\u00e9'), `tcf_valid[${idx(bases[6])}] with character 12 replaced by a non-ASCII letter`);
  }
  // wrong_version
  [0, 1, 3, 4, 7, 63].forEach((v, i) => {
    const fx = valid[20 + 13 * i];
    const seg = segsOf(fx)[0];
    add('wrong_version', withCore(fx, replaceBits(seg.bits, 0, intBits(v, 6))), `tcf_valid[${idx(fx)}] with the version field set to ${v}`);
  });
  // truncated
  {
    const cut = (fx, segIndex, chars, what) => {
      const parts = fx.string.split('.');
      const kept = parts.slice(0, segIndex);
      kept.push(parts[segIndex].slice(0, chars));
      add('truncated', kept.join('.'), `tcf_valid[${idx(fx)}] cut to ${chars} characters ${segIndex ? `in segment ${segIndex + 1}` : 'in the core segment'}: ${what}`);
    };
    const inside = (s, e) => { let c = Math.floor(s / 6) + 1; if (c * 6 >= e) c = Math.floor((e - 1) / 6); return c; };
    const fx0 = valid[30];
    const m0 = segsOf(fx0)[0].marks;
    cut(fx0, 0, 8, 'inside last_updated');
    cut(valid[31], 0, 12, 'inside cmp_id / cmp_version');
    cut(valid[32], 0, inside(...m0.purpose_consents), 'inside purpose_consents');
    cut(valid[33], 0, inside(...segsOf(valid[33])[0].marks.publisher_cc), 'inside publisher_cc');
    const bf = find((fx) => { const m = segsOf(fx)[0].marks; return m['vc.bitfield'] && m['vc.bitfield'][1] - m['vc.bitfield'][0] > 200; }, 50);
    cut(bf, 0, inside(...segsOf(bf)[0].marks['vc.bitfield']), 'inside the vendor-consent bitfield');
    const bfl = find((fx) => { const m = segsOf(fx)[0].marks; return m['vli.bitfield'] && m['vli.bitfield'][1] - m['vli.bitfield'][0] > 100; }, 80);
    cut(bfl, 0, inside(...segsOf(bfl)[0].marks['vli.bitfield']), 'inside the vendor-LI bitfield');
    const rg = find((fx) => { const m = segsOf(fx)[0].marks; return m['vc.e1'] && m['vc.e1'][1] - m['vc.e1'][0] === 33; }, 90);
    cut(rg, 0, inside(...segsOf(rg)[0].marks['vc.e1']), 'inside a vendor-consent range entry');
    const rg2 = find((fx) => { const m = segsOf(fx)[0].marks; return m['vc.num']; }, 120);
    cut(rg2, 0, inside(...segsOf(rg2)[0].marks['vc.num']), 'inside NumEntries of a range-encoded vendor-consent section');
    const pr = find((fx) => fx.decoded.publisher_restrictions.length >= 2, 110);
    cut(pr, 0, inside(...segsOf(pr)[0].marks['pr.r1']), 'inside the second publisher restriction');
    const pr2 = find((fx) => fx.decoded.publisher_restrictions.length >= 1, 150);
    cut(pr2, 0, inside(...segsOf(pr2)[0].marks['pr.num']), 'inside NumPubRestrictions');
    const dv = find((fx) => fx.decoded.disclosed_vendors && fx.decoded.disclosed_vendors.length > 100, 60);
    const dvm = segsOf(dv)[1].marks;
    cut(dv, 1, inside(...(dvm['dv.bitfield'] || dvm['dv.e1'])), `inside the Disclosed Vendors ${dvm['dv.bitfield'] ? 'bitfield' : 'range entries'}`);
    const dv2 = find((fx) => fx.decoded.disclosed_vendors && fx.decoded.disclosed_vendors.length > 0, 170);
    cut(dv2, 1, 2, 'inside MaxVendorId of the Disclosed Vendors segment');
    const pt = find((fx) => fx.decoded.publisher_tc && fx.decoded.publisher_tc.num_custom_purposes > 10, 0);
    const ptIndex = tcSegmentTypesOf(pt.string).indexOf(3);
    cut(pt, ptIndex, inside(...segsOf(pt)[ptIndex].marks.custom_consents), 'inside the custom purpose consents of the Publisher TC segment');
  }
  // bad_segment_type
  {
    const extraSeg = (type, ids) => bitsToB64(padBits(intBits(type, 3) + intBits(ids[ids.length - 1], 16) + '0' + bitfieldFromIds(ids, ids[ids.length - 1]), 'tcf'));
    const fxs = [valid[41], valid[52], valid[63], valid[74], valid[85], valid[96], valid[107]];
    add('bad_segment_type', fxs[0].string + '.' + extraSeg(0, [1, 2, 3]), `tcf_valid[${idx(fxs[0])}] + a segment of type 0 (a second core segment)`);
    add('bad_segment_type', fxs[1].string + '.' + fxs[1].string.split('.')[0], `tcf_valid[${idx(fxs[1])}] + its own core segment again (type 0)`);
    add('bad_segment_type', fxs[2].string + '.' + extraSeg(2, [3, 7, 9]), `tcf_valid[${idx(fxs[2])}] + a segment of type 2 (Allowed Vendors, not used since TCF v2.2)`);
    [4, 5, 6, 7].forEach((t, i) => add('bad_segment_type', fxs[3 + i].string + '.' + extraSeg(t, [5, 8]), `tcf_valid[${idx(fxs[3 + i])}] + a segment of type ${t}`));
    const dv = find((fx) => fx.decoded.disclosed_vendors !== undefined, 130);
    const dvSeg = dv.string.split('.')[tcSegmentTypesOf(dv.string).indexOf(1)];
    add('bad_segment_type', dv.string + '.' + dvSeg, `tcf_valid[${idx(dv)}] with its Disclosed Vendors segment repeated`);
    const pt = find((fx) => fx.decoded.publisher_tc !== undefined, 140);
    const ptSeg = pt.string.split('.')[tcSegmentTypesOf(pt.string).indexOf(3)];
    add('bad_segment_type', pt.string + '.' + ptSeg, `tcf_valid[${idx(pt)}] with its Publisher TC segment repeated`);
    const dv2 = find((fx) => fx.decoded.disclosed_vendors !== undefined && fx.decoded.disclosed_vendors.length > 0, 200);
    const p2 = dv2.string.split('.');
    add('bad_segment_type', [p2[1], p2[0], ...p2.slice(2)].join('.'), `tcf_valid[${idx(dv2)}] with the Disclosed Vendors segment before the core segment`);
    const pt2 = find((fx) => fx.decoded.publisher_tc !== undefined, 220);
    const p3 = pt2.string.split('.');
    add('bad_segment_type', [...p3.slice(1), p3[0]].join('.'), `tcf_valid[${idx(pt2)}] with the core segment moved last`);
  }
  // range_out_of_order
  {
    const b = (i) => valid[i];
    add('range_out_of_order', spliceCore(b(11), 'vc', vvBits(500, [[500], [100]])), `tcf_valid[11] with vendor consents as range entries 500, 100 (descending)`);
    add('range_out_of_order', spliceCore(b(12), 'vc', vvBits(300, [[10, 20], [15, 300]])), `tcf_valid[12] with vendor consents as overlapping ranges 10-20, 15-300`);
    add('range_out_of_order', spliceCore(b(13), 'vc', vvBits(77, [[5], [5], [77]])), `tcf_valid[13] with vendor consents range entries 5, 5, 77 (duplicate)`);
    add('range_out_of_order', spliceCore(b(14), 'vc', vvBits(60, [[1], [60, 40]])), `tcf_valid[14] with vendor consents range entry 60-40 (end < start)`);
    add('range_out_of_order', spliceCore(b(15), 'vli', vvBits(900, [[800, 900], [3, 9]])), `tcf_valid[15] with vendor LI range entries 800-900, 3-9 (descending)`);
    add('range_out_of_order', spliceCore(b(16), 'vli', vvBits(90, [[90, 89]])), `tcf_valid[16] with vendor LI range entry 90-89 (end < start)`);
    const prBits = (entries) => intBits(1, 12) + intBits(2, 6) + intBits(1, 2) + intBits(entries.length, 12) +
      entries.map(([s, e]) => (e === undefined ? '0' + intBits(s, 16) : '1' + intBits(s, 16) + intBits(e, 16))).join('');
    add('range_out_of_order', spliceCore(b(17), 'pr', prBits([[30, 20]])), `tcf_valid[17] with one publisher restriction (purpose 2, type 1) whose only entry is the range 30-20 (end < start)`);
    add('range_out_of_order', spliceCore(b(18), 'pr', prBits([[700], [12, 14]])), `tcf_valid[18] with one publisher restriction (purpose 2, type 1) with entries 700, 12-14 (descending)`);
    const dvfx = find((fx) => fx.decoded.disclosed_vendors !== undefined, 19);
    const segs = segsOf(dvfx);
    const di = segs.findIndex((s) => s.type === 1);
    segs[di] = { ...segs[di], bits: intBits(1, 3) + vvBits(400, [[400], [2, 8]]) };
    add('range_out_of_order', join(segs), `tcf_valid[${idx(dvfx)}] with Disclosed Vendors as range entries 400, 2-8 (descending)`);
  }
  // vendor_beyond_max
  {
    add('vendor_beyond_max', spliceCore(valid[21], 'vc', vvBits(100, [[5], [150]])), 'tcf_valid[21] with vendor consents MaxVendorId 100 and a range entry for vendor 150');
    add('vendor_beyond_max', spliceCore(valid[22], 'vc', vvBits(100, [[90, 120]])), 'tcf_valid[22] with vendor consents MaxVendorId 100 and the range entry 90-120');
    add('vendor_beyond_max', spliceCore(valid[23], 'vc', vvBits(50, [[0], [50]])), 'tcf_valid[23] with vendor consents range entry for vendor id 0');
    add('vendor_beyond_max', spliceCore(valid[24], 'vc', vvBits(47, [[0, 5], [47]])), 'tcf_valid[24] with vendor consents range entry 0-5');
    add('vendor_beyond_max', spliceCore(valid[25], 'vli', vvBits(60, [[61]])), 'tcf_valid[25] with vendor LI MaxVendorId 60 and a range entry for vendor 61');
    add('vendor_beyond_max', spliceCore(valid[26], 'vc', vvBits(0, [[7]])), 'tcf_valid[26] with vendor consents MaxVendorId 0 and a range entry for vendor 7');
    const prBits = intBits(1, 12) + intBits(3, 6) + intBits(0, 2) + intBits(1, 12) + '0' + intBits(0, 16);
    add('vendor_beyond_max', spliceCore(valid[27], 'pr', prBits), 'tcf_valid[27] with one publisher restriction (purpose 3, type 0) for vendor id 0');
    const dvfx = find((fx) => fx.decoded.disclosed_vendors !== undefined, 28);
    const segs = segsOf(dvfx);
    const di = segs.findIndex((s) => s.type === 1);
    segs[di] = { ...segs[di], bits: intBits(1, 3) + vvBits(200, [[10], [250]]) };
    add('vendor_beyond_max', join(segs), `tcf_valid[${idx(dvfx)}] with Disclosed Vendors MaxVendorId 200 and a range entry for vendor 250`);
  }
  // nonzero_padding
  {
    let made = 0;
    for (let i = 0; i < valid.length && made < 8; i += 7) {
      const fx = valid[i];
      const segs = segsOf(fx);
      const si = made % 3 === 2 && segs.length > 1 ? segs.length - 1 : 0;
      const seg = segs[si];
      const padded = padBits(seg.bits, 'tcf');
      const padLen = padded.length - seg.bits.length;
      if (padLen < (made < 4 ? 1 : 7)) continue;
      let bits = padded;
      if (made % 2 === 0) bits = setBit(bits, bits.length - 1, '1');
      else for (let k = seg.bits.length; k < bits.length; k++) bits = setBit(bits, k, '1');
      segs[si] = bitsToB64(bits);
      add('nonzero_padding', join(segs), `tcf_valid[${i}] with ${made % 2 === 0 ? 'the last padding bit' : `all ${padLen} padding bits`} of ${si ? `segment ${si + 1}` : 'the core segment'} set to 1`);
      made++;
    }
  }
  // trailing_data
  {
    const cases = [[valid[33], 0, 'AAAA'], [valid[44], 0, 'A'], [valid[55], 0, 'AAAAAAAA'], [valid[66], 0, 'BA'], [valid[77], 0, 'gAAA']];
    for (const [fx, si, extra] of cases) {
      const parts = fx.string.split('.');
      parts[si] += extra;
      add('trailing_data', parts.join('.'), `tcf_valid[${idx(fx)}] with '${extra}' appended to the core segment`);
    }
    const dv = find((fx) => fx.decoded.disclosed_vendors !== undefined, 88);
    const parts = dv.string.split('.');
    const di = tcSegmentTypesOf(dv.string).indexOf(1);
    parts[di] += 'AAAA';
    add('trailing_data', parts.join('.'), `tcf_valid[${idx(dv)}] with 'AAAA' appended to the Disclosed Vendors segment`);
  }
  // disclosed_vendors_missing: encoded by the library itself, just without the segment
  {
    const dates = ['2026-03-01T00:00:00.1Z', '2026-03-01T00:00:00.0Z', '2026-03-01T12:34:56.7Z', '2026-06-15T00:00:00.0Z', '2026-11-30T23:59:59.9Z', '2027-01-01T00:00:00.0Z'];
    dates.forEach((date, i) => {
      const { d, gvlLang } = randomTcSpec({ policy: 5, segs: i % 2 ? 'pt' : 'core', is_service_specific: i !== 2 });
      d.created = date; d.last_updated = date;
      add('disclosed_vendors_missing', tcLibEncode(d, gvlLang), `policy 5, created ${date}, segments: core${i % 2 ? ' + Publisher TC' : ''}, no Disclosed Vendors (encoded by @iabtechlabtcf/core)`);
    });
  }
  // legitimate_interest_not_allowed
  [1, 3, 4, 5, 6, 3].forEach((p, i) => {
    const fx = find((f) => f.decoded.tcf_policy_version === (i === 5 ? 4 : [4, 5][i % 2]), 35 + 11 * i);
    const seg = segsOf(fx)[0];
    const [s] = seg.marks.purpose_legitimate_interests;
    add('legitimate_interest_not_allowed', withCore(fx, setBit(seg.bits, s + p - 1, '1')), `tcf_valid[${idx(fx)}] (policy ${fx.decoded.tcf_policy_version}) with purpose ${p} set in PurposesLITransparency`);
  });
  // bad_language
  {
    const cases = [['consent_language', 0, 26], ['consent_language', 6, 63], ['consent_language', 0, 31], ['publisher_cc', 0, 26], ['publisher_cc', 6, 32], ['publisher_cc', 0, 58]];
    cases.forEach(([field, off, v], i) => {
      const fx = valid[47 + 9 * i];
      const seg = segsOf(fx)[0];
      add('bad_language', withCore(fx, replaceBits(seg.bits, seg.marks[field][0] + off, intBits(v, 6))), `tcf_valid[${idx(fx)}] with the ${off ? 'second' : 'first'} letter of ${field === 'publisher_cc' ? 'PublisherCC' : 'ConsentLanguage'} set to ${v}`);
    });
  }
  // empty
  {
    const fx = find((f) => f.decoded.disclosed_vendors !== undefined, 5);
    const p = fx.string.split('.');
    add('empty', '', 'the empty string');
    add('empty', '.', 'a lone segment separator (two empty segments)');
    add('empty', '..', 'two separators, no segments');
    add('empty', fx.string + '.', `tcf_valid[${idx(fx)}] followed by an empty segment`);
    add('empty', '.' + fx.string, `tcf_valid[${idx(fx)}] preceded by an empty segment`);
    add('empty', [p[0], '', ...p.slice(1)].join('.'), `tcf_valid[${idx(fx)}] with an empty segment between core and Disclosed Vendors`);
  }
  return out;
}

// =============================================================================================
// GPP with @iabgpp/cmpapi
// =============================================================================================
const { GppModel, Sections, RangeEntry, HeaderV1 } = GPP;
const SECTION_CLASSES = {};
for (const k of Object.keys(GPP)) if (GPP[k] && typeof GPP[k].NAME === 'string' && GPP[k].ID !== undefined && GPP[k].prototype?.initializeSegments) SECTION_CLASSES[GPP[k].NAME] = GPP[k];
const SECTION_ORDER = Sections.SECTION_ORDER;
const ID_TO_NAME = Sections.SECTION_ID_NAME_MAP;

// ---- layout introspection --------------------------------------------------------------------------
function describeField(name, f) {
  const type = f.constructor.name;
  const o = { name, type };
  if (f.bitStringLength !== undefined) o.bits = f.bitStringLength;
  if (f.numElements !== undefined) o.numElements = f.numElements;
  if (f.elementBitStringLength !== undefined) o.elementBits = f.elementBitStringLength;
  if (f.stringLength !== undefined) o.chars = f.stringLength;
  if (f.keyBitStringLength !== undefined) { o.keyBits = f.keyBitStringLength; o.typeBits = f.typeBitStringLength; }
  if (f.validator && type === 'EncodableFixedInteger') o.allowed = [0, 1, 2, 3].filter((n) => f.validator.test(n));
  if (f.validator && type === 'EncodableFixedIntegerList') o.allowed = [0, 1, 2, 3].filter((n) => f.validator.test([n]));
  if (type !== 'UnencodableCharacter' && type !== 'UnencodableInteger') o.hardFail = f.getHardFailIfMissing();
  const v = f.value;
  o.default = v instanceof Date ? '(now)' : v;
  return o;
}
function introspect() {
  const layout = { header: null, sections: {} };
  const one = (cls) => {
    const s = new cls();
    return {
      name: cls.NAME, id: cls.ID, version: cls.VERSION,
      segments: s.segments.map((seg) => {
        const names = seg.getFieldNames();
        const hidden = [...seg.fields.getAll().keys()].filter((k) => !names.includes(k));
        const enc = seg.base64UrlEncoder?.constructor.name;
        return {
          cls: seg.constructor.name,
          base64: enc === 'CompressedBase64UrlEncoder' ? 'compressed' : enc === 'TraditionalBase64UrlEncoder' ? 'traditional' : 'none (plain characters)',
          fields: names.map((n) => describeField(n, seg.fields.get(n))),
          hidden,
        };
      }),
    };
  };
  layout.header = one(HeaderV1);
  for (const name of SECTION_ORDER) layout.sections[name] = one(SECTION_CLASSES[name]);
  return layout;
}
const LAYOUT = introspect();
const fixedBits = (f) => {
  switch (f.type) {
    case 'EncodableFixedInteger': return f.bits;
    case 'EncodableBoolean': return 1;
    case 'EncodableFixedIntegerList': return f.elementBits * f.numElements;
    case 'EncodableFixedBitfield': return f.numElements;
    case 'EncodableFixedString': return 6 * f.chars;
    case 'EncodableDatetime': return 36;
    default: return null;
  }
};
// families
const subSegmentFlag = (name) => LAYOUT.sections[name].segments[1]?.hidden[0];
const isTcfSection = (name) => name === 'tcfeuv2' || name === 'tcfcav1';

// ---- own GPP writer (implements README.md; checked against the library) -----------------------------
function fibBits(v) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`fibonacci value ${v}`);
  const fib = [1, 2];
  while (fib[fib.length - 1] + fib[fib.length - 2] <= v) fib.push(fib[fib.length - 1] + fib[fib.length - 2]);
  const bits = new Array(fib.length).fill('0');
  for (let i = fib.length - 1; i >= 0; i--) if (fib[i] <= v) { bits[i] = '1'; v -= fib[i]; }
  let s = bits.join('').replace(/0+$/, '');
  return s + '1';
}
function fibRangeBits(ids) {
  const runs = toRuns(ids);
  let s = intBits(runs.length, 12);
  let offset = 0;
  for (const [a, b] of runs) {
    if (a === b) { s += '0' + fibBits(a - offset); offset = a; }
    else { s += '1' + fibBits(a - offset) + fibBits(b - a); offset = b; }
  }
  return s;
}
function fixedRangeBits(ids) {
  const runs = toRuns(ids);
  return intBits(runs.length, 12) + runs.map(([a, b]) => (a === b ? '0' + intBits(a, 16) : '1' + intBits(a, 16) + intBits(b, 16))).join('');
}
function optimizedBits(ids, rangeFn) {
  const max = ids.length ? ids[ids.length - 1] : 0;
  const r = rangeFn(ids);
  return r.length <= max ? intBits(max, 16) + '1' + r : intBits(max, 16) + '0' + bitfieldFromIds(ids, max);
}
const gppFixedCost = (ids) => fixedRangeBits(ids).length;
const gppFibCost = (ids) => fibRangeBits(ids).length;
function fieldBits(f, v, ctx) {
  switch (f.type) {
    case 'EncodableFixedInteger': return intBits(v, f.bits);
    case 'EncodableBoolean': return v ? '1' : '0';
    case 'EncodableFixedIntegerList': {
      const n = ctx.listLen?.[f.name] ?? f.numElements;
      if (v.length !== n) throw new Error(`${f.name}: expected ${n} values`);
      return v.map((x) => intBits(x, f.elementBits)).join('');
    }
    case 'EncodableFixedBitfield': return bitfieldFromIds(v, f.numElements);
    case 'EncodableFlexibleBitfield': return bitfieldFromIds(v, ctx.numCustom);
    case 'EncodableFixedString': return [...v.padEnd(f.chars, ' ')].map((c) => intBits(c === ' ' ? 63 : c.charCodeAt(0) - 65, 6)).join('');
    case 'EncodableDatetime': return intBits(isoToDs(v), 36);
    case 'EncodableOptimizedFixedRange': return optimizedBits(v, fixedRangeBits);
    case 'EncodableOptimizedFibonacciRange': return optimizedBits(v, fibRangeBits);
    case 'EncodableFibonacciIntegerRange': return fibRangeBits(v);
    case 'EncodableArrayOfFixedIntegerRanges':
    case 'EncodableArrayOfOptimizedFibonacciRanges':
      return intBits(v.length, 12) + v.map((r) => intBits(r.purpose_id, f.keyBits) + intBits(r.restriction_type, f.typeBits) +
        (f.type === 'EncodableArrayOfFixedIntegerRanges' ? fixedRangeBits(r.vendor_ids) : optimizedBits(r.vendor_ids, fibRangeBits))).join('');
    default: throw new Error(`no writer for ${f.type}`);
  }
}
// segment bits (unpadded) from a decoded section object
function gppSegmentBits(seg, vals, ctx = {}) {
  const bw = new BitWriter();
  for (const f of seg.fields) {
    const key = snake(f.name);
    if (!(key in vals)) throw new Error(`missing ${key}`);
    if (f.name === 'NumCustomPurposes') ctx.numCustom = vals[key];
    bw.raw(fieldBits(f, vals[key], ctx), key);
  }
  return bw;
}
const padModeOf = (seg) => (seg.base64 === 'traditional' ? 'tcf' : 'compressed');
// the order in which the library writes a section's segments, and which of them it writes
function gppSegmentPlan(name, vals) {
  const L = LAYOUT.sections[name];
  const segIx = (cls) => L.segments.findIndex((s) => s.cls.endsWith(cls));
  if (name === 'tcfeuv2') return [0, segIx('VendorsDisclosedSegment'), segIx('PublisherPurposesSegment')].filter((i) => snake(L.segments[i].fields[0].name) in vals || i === 0);
  if (name === 'tcfcav1') return [0, segIx('PublisherPurposesSegment'), segIx('DisclosedVendorsSegment')].filter((i) => snake(L.segments[i].fields[0].name) in vals || i === 0);
  if (L.segments.length === 2) return vals[snake(L.segments[1].hidden[0])] ? [0, 1] : [0];
  return [0];
}
function gppOwnSection(name, vals) {
  const L = LAYOUT.sections[name];
  if (name === 'uspv1') return `${vals.version}${vals.notice}${vals.opt_out_sale}${vals.lspa_covered}`;
  const ctx = {};
  if (name === 'usnat' && vals.version === 1) ctx.listLen = { SensitiveDataProcessing: 12, KnownChildSensitiveDataConsents: 2 };
  return gppSegmentPlan(name, vals).map((i) => {
    const seg = L.segments[i];
    return bitsToB64(padBits(gppSegmentBits(seg, vals, ctx).s, padModeOf(seg)));
  }).join('.');
}
function gppHeaderBits(ids) {
  return intBits(3, 6) + intBits(1, 6) + fibRangeBits(ids);
}
function gppOwnEncode(decoded) {
  const ids = decoded.header.section_ids;
  const head = bitsToB64(padBits(gppHeaderBits(ids), 'compressed'));
  return [head, ...ids.map((id) => gppOwnSection(ID_TO_NAME.get(id), decoded.sections[ID_TO_NAME.get(id)]))].join('~');
}

// ---- library decode -> schema ---------------------------------------------------------------------
function gppValue(f, v) {
  switch (f.type) {
    case 'EncodableDatetime': return iso(v);
    case 'EncodableFixedBitfield':
    case 'EncodableFlexibleBitfield': return idsFromBools(v);
    case 'EncodableArrayOfFixedIntegerRanges':
    case 'EncodableArrayOfOptimizedFibonacciRanges':
      return v.map((r) => ({ purpose_id: r.getKey(), restriction_type: r.getType(), vendor_ids: [...r.getIds()] }));
    default: return Array.isArray(v) ? [...v] : v;
  }
}
function tcfSegmentsPresent(name, sectionStr) {
  // same first-character test the library uses
  const present = new Set([0]);
  const L = LAYOUT.sections[name];
  const segIx = (cls) => L.segments.findIndex((s) => s.cls.endsWith(cls));
  for (const part of sectionStr.split('.')) {
    if (!part) continue;
    const t = B64.indexOf(part[0]) >> 3;
    if (t === 1) present.add(segIx(name === 'tcfeuv2' ? 'VendorsDisclosedSegment' : 'DisclosedVendorsSegment'));
    if (t === 2 && name === 'tcfeuv2') present.add(segIx('VendorsAllowedSegment'));
    if (t === 3) present.add(segIx('PublisherPurposesSegment'));
  }
  return present;
}
function gppSectionSchema(model, name, sectionStr) {
  const L = LAYOUT.sections[name];
  const out = {};
  const get = (field) => model.getFieldValue(name, field);
  if (isTcfSection(name)) {
    const present = tcfSegmentsPresent(name, sectionStr);
    L.segments.forEach((seg, i) => { if (present.has(i)) for (const f of seg.fields) out[snake(f.name)] = gppValue(f, get(f.name)); });
    return out;
  }
  for (const f of L.segments[0].fields) out[snake(f.name)] = gppValue(f, get(f.name));
  if (L.segments.length === 2) {
    const flag = L.segments[1].hidden[0];
    const included = get(flag);
    out[snake(flag)] = included;
    if (included) for (const f of L.segments[1].fields) out[snake(f.name)] = gppValue(f, get(f.name));
  }
  return out;
}
function gppSchemaFromString(str) {
  const model = new GppModel(str);
  const ids = model.getSectionIds();
  const header = model.getHeader();
  const parts = str.split('~');
  const sections = {};
  ids.forEach((id, i) => { sections[ID_TO_NAME.get(id)] = gppSectionSchema(model, ID_TO_NAME.get(id), parts[i + 1]); });
  return { header: { version: header.Version, section_ids: header.SectionIds }, sections };
}
function gppJsAccepts(str) {
  try {
    const model = new GppModel(str);
    model.getHeader();
    for (const name of [...model.sections.keys()]) {
      model.getSection(name);
      const flag = LAYOUT.sections[name] && subSegmentFlag(name);
      if (flag && !isTcfSection(name)) model.getFieldValue(name, flag);
    }
    return { ok: true };
  } catch (e) {
    return { ok: false, err: errText(e) };
  }
}

// ---- random GPP section values (library field names, library value shapes) ---------------------------
const RANGE_ENTRY = (r) => new RangeEntry(r.purpose_id, r.restriction_type, [...r.vendor_ids]);
function randomUsValues(name, o = {}) {
  const L = LAYOUT.sections[name];
  const vals = {};
  const version = o.version ?? L.version;
  const fill = (seg) => {
    for (const f of seg.fields) {
      if (f.type === 'EncodableFixedInteger') {
        if (f.allowed) vals[f.name] = R.pick(f.allowed);
        else if (/Version$/.test(f.name)) vals[f.name] = version;
        else vals[f.name] = f.default; // GpcSegmentType
      } else if (f.type === 'EncodableFixedIntegerList') {
        let n = f.numElements;
        if (name === 'usnat' && version === 1) n = { SensitiveDataProcessing: 12, KnownChildSensitiveDataConsents: 2 }[f.name];
        vals[f.name] = range(1, n).map(() => R.pick(f.allowed));
      } else if (f.type === 'EncodableBoolean') vals[f.name] = R.chance(0.5);
      else if (f.type === 'UnencodableCharacter') vals[f.name] = R.pick(['Y', 'N', '-']);
      else if (f.type === 'UnencodableInteger') vals[f.name] = 1;
      else throw new Error(`${name}.${f.name}: ${f.type}`);
    }
  };
  fill(L.segments[0]);
  if (L.segments.length === 2) {
    const flag = L.segments[1].hidden[0];
    vals[flag] = o.sub ?? R.chance(0.6);
    if (vals[flag]) fill(L.segments[1]);
  }
  return vals;
}
function randomTcfEuValues(o = {}) {
  const { d } = randomTcSpec({ is_service_specific: true, segs: 'dvpt', ...o });
  const p = d.publisher_tc;
  if (o.vcGpp) d.vendor_consents = o.vcGpp;
  return {
    Version: 2, CmpId: d.cmp_id, CmpVersion: d.cmp_version, ConsentScreen: d.consent_screen, ConsentLanguage: d.consent_language,
    VendorListVersion: d.vendor_list_version, PolicyVersion: d.tcf_policy_version, IsServiceSpecific: true,
    UseNonStandardStacks: d.use_non_standard_texts, SpecialFeatureOptins: boolsFromIds(d.special_feature_optins, 12),
    PurposeConsents: boolsFromIds(d.purpose_consents, 24), PurposeLegitimateInterests: boolsFromIds(d.purpose_legitimate_interests, 24),
    PurposeOneTreatment: d.purpose_one_treatment, PublisherCountryCode: d.publisher_cc,
    VendorConsents: d.vendor_consents, VendorLegitimateInterests: d.vendor_legitimate_interests,
    PublisherRestrictions: d.publisher_restrictions.map(RANGE_ENTRY),
    PublisherPurposesSegmentType: 3, PublisherConsents: boolsFromIds(p.purpose_consents, 24),
    PublisherLegitimateInterests: boolsFromIds(p.purpose_legitimate_interests, 24), NumCustomPurposes: p.num_custom_purposes,
    PublisherCustomConsents: boolsFromIds(p.custom_purpose_consents, p.num_custom_purposes),
    PublisherCustomLegitimateInterests: boolsFromIds(p.custom_purpose_legitimate_interests, p.num_custom_purposes),
    VendorsDisclosedSegmentType: 1, VendorsDisclosed: d.disclosed_vendors,
    Created: new Date(Date.parse(d.created)), LastUpdated: new Date(Date.parse(d.last_updated)),
  };
}
function randomTcfCaValues(o = {}) {
  const { d } = randomTcSpec({ is_service_specific: true, segs: 'dvpt', ...o });
  const p = d.publisher_tc;
  const dv = o.dv ?? (R.chance(0.3) ? [] : d.disclosed_vendors);
  return {
    Version: 1, CmpId: d.cmp_id, CmpVersion: d.cmp_version, ConsentScreen: d.consent_screen, ConsentLanguage: R.pick(['EN', 'FR']),
    VendorListVersion: d.vendor_list_version, TcfPolicyVersion: R.pick([1, 2]), UseNonStandardStacks: d.use_non_standard_texts,
    SpecialFeatureExpressConsent: boolsFromIds(d.special_feature_optins, 12),
    PurposesExpressConsent: boolsFromIds(d.purpose_consents, 24), PurposesImpliedConsent: boolsFromIds(R.subset(range(1, 11), 0.4), 24),
    VendorExpressConsent: o.vcGpp ?? d.vendor_consents, VendorImpliedConsent: d.vendor_legitimate_interests,
    PubRestrictions: d.publisher_restrictions.map(RANGE_ENTRY),
    PubPurposesSegmentType: 3, PubPurposesExpressConsent: boolsFromIds(p.purpose_consents, 24),
    PubPurposesImpliedConsent: boolsFromIds(R.subset(range(1, 11), 0.4), 24), NumCustomPurposes: p.num_custom_purposes,
    CustomPurposesExpressConsent: boolsFromIds(p.custom_purpose_consents, p.num_custom_purposes),
    CustomPurposesImpliedConsent: boolsFromIds(p.custom_purpose_legitimate_interests, p.num_custom_purposes),
    DisclosedVendorsSegmentType: 1, DisclosedVendors: dv,
    Created: new Date(Date.parse(d.created)), LastUpdated: new Date(Date.parse(d.last_updated)),
  };
}
function randomSectionValues(name, o = {}) {
  if (name === 'tcfeuv2') return randomTcfEuValues(o);
  if (name === 'tcfcav1') return randomTcfCaValues(o);
  return randomUsValues(name, o);
}
// expected decoded JSON from the values the string was built from
function expectedSectionSchema(name, vals) {
  const L = LAYOUT.sections[name];
  const out = {};
  const conv = (f) => {
    let v = vals[f.name];
    if (f.type === 'EncodableDatetime') return iso(v);
    if (f.type === 'EncodableFixedBitfield' || f.type === 'EncodableFlexibleBitfield') return idsFromBools(v);
    if (f.type.startsWith('EncodableArrayOf')) return v.map((r) => ({ purpose_id: r.key, restriction_type: r.type, vendor_ids: r.ids }));
    return Array.isArray(v) ? [...v] : v;
  };
  if (isTcfSection(name)) {
    const segIx = (cls) => L.segments.findIndex((s) => s.cls.endsWith(cls));
    const present = new Set([0, segIx('PublisherPurposesSegment')]);
    if (name === 'tcfeuv2') present.add(segIx('VendorsDisclosedSegment'));
    if (name === 'tcfcav1' && vals.DisclosedVendors.length) present.add(segIx('DisclosedVendorsSegment'));
    L.segments.forEach((seg, i) => { if (present.has(i)) for (const f of seg.fields) out[snake(f.name)] = conv(f); });
    return out;
  }
  for (const f of L.segments[0].fields) out[snake(f.name)] = conv(f);
  if (L.segments.length === 2) {
    const flag = L.segments[1].hidden[0];
    out[snake(flag)] = vals[flag];
    if (vals[flag]) for (const f of L.segments[1].fields) out[snake(f.name)] = conv(f);
  }
  return out;
}
function gppLibEncode(spec) {
  const m = new GppModel();
  for (const [name, vals] of Object.entries(spec)) {
    for (const [field, v] of Object.entries(vals)) {
      if (field === 'Created' || field === 'LastUpdated') continue;
      m.setFieldValue(name, field, Array.isArray(v) ? [...v] : v);
    }
    if (isTcfSection(name)) {
      // set both timestamps last and independently: every other TCF setter overwrites them
      // (tcfeuv2: with today's midnight, and Created/LastUpdated keep each other in sync;
      // tcfcav1: with the current time)
      const section = m.sections.get(name);
      GPP.AbstractLazilyEncodableSection.prototype.setFieldValue.call(section, 'Created', vals.Created);
      GPP.AbstractLazilyEncodableSection.prototype.setFieldValue.call(section, 'LastUpdated', vals.LastUpdated);
      section.setIsDirty(true);
    }
  }
  return m.encode();
}

function buildGppValid() {
  const specs = [];
  const one = (name, o) => ({ [name]: randomSectionValues(name, o) });
  for (const name of SECTION_ORDER) {
    const n = isTcfSection(name) ? 6 : 4;
    for (let i = 0; i < n; i++) specs.push(one(name, L_sub(name, i)));
  }
  for (let i = 0; i < 4; i++) specs.push(one('usnat', { version: 1, sub: i % 2 === 0 }));
  // optimized-range tie in GPP's TCF sections (range iff range bits <= MaxVendorId)
  for (const margin of [-1, 0, 1]) {
    specs.push(one('tcfeuv2', { vcGpp: gppBoundarySet(margin, gppFixedCost) }));
    specs.push(one('tcfcav1', { vcGpp: gppBoundarySet(margin, gppFibCost) }));
  }
  specs.push(one('tcfeuv2', { vc: 'empty', vli: 'empty', dv: 'empty', restrictions: [] }));
  specs.push(one('tcfcav1', { vc: 'empty', vli: 'empty', dv: [], restrictions: [] }));
  // every section in one string
  for (let i = 0; i < 2; i++) {
    const s = {};
    for (const name of SECTION_ORDER) s[name] = randomSectionValues(name, { version: name === 'usnat' ? 1 + i : undefined });
    specs.push(s);
  }
  const COMMON = [['tcfeuv2', 'usnat'], ['uspv1', 'usnat'], ['usnat', 'usca'], ['tcfeuv2', 'uspv1', 'usnat'], ['usca', 'usva', 'usco', 'usut', 'usct'], ['tcfcav1', 'usnat'], ['tcfeuv2', 'tcfcav1']];
  for (const combo of COMMON) specs.push(Object.fromEntries(combo.map((n) => [n, randomSectionValues(n)])));
  while (specs.length < 200) {
    const names = R.sample(0, SECTION_ORDER.length - 1, R.int(2, 5)).map((i) => SECTION_ORDER[i]);
    specs.push(Object.fromEntries(names.map((n) => [n, randomSectionValues(n, n === 'usnat' && R.chance(0.25) ? { version: 1 } : {})])));
  }
  const out = [];
  for (const spec of specs) {
    const str = gppLibEncode(spec);
    const decoded = gppSchemaFromString(str);
    const ids = Object.keys(spec).map((n) => SECTION_CLASSES[n].ID).sort((a, b) => a - b);
    const expected = { header: { version: 1, section_ids: ids }, sections: {} };
    for (const id of ids) expected.sections[ID_TO_NAME.get(id)] = expectedSectionSchema(ID_TO_NAME.get(id), spec[ID_TO_NAME.get(id)]);
    if (JSON.stringify(decoded) !== JSON.stringify(expected)) {
      fail(`GPP decode differs from spec for ${str}\n exp ${JSON.stringify(expected).slice(0, 600)}\n got ${JSON.stringify(decoded).slice(0, 600)}`);
    }
    const own = gppOwnEncode(decoded);
    if (own !== str) fail(`own GPP writer disagrees with the library\n lib ${str}\n own ${own}`);
    out.push({ string: str, decoded });
  }
  return out;
}
function L_sub(name, i) {
  // alternate optional sub-segments so each section is seen with and without it
  return LAYOUT.sections[name].segments.length === 2 && !isTcfSection(name) ? { sub: i % 2 === 0 } : {};
}

// ---- invalid GPP strings -------------------------------------------------------------------------------
function buildGppInvalid(valid) {
  const out = [];
  const add = (rule, string, note) => {
    const r = gppJsAccepts(string);
    out.push({ string, rule, js_accepts: r.ok, note: r.ok ? note : `${note} [JS throws ${r.err}]` });
  };
  const idx = (fx) => valid.indexOf(fx);
  const find = (pred, from = 0) => {
    for (let i = 0; i < valid.length; i++) { const fx = valid[(from + i) % valid.length]; if (pred(fx)) return fx; }
    fail('no valid GPP fixture matches a needed invalid-case base');
  };
  const only = (name, extra = () => true) => find((fx) => fx.decoded.header.section_ids.length === 1 && fx.decoded.sections[name] && extra(fx));
  const head = (bits) => bitsToB64(padBits(bits, 'compressed'));
  const sectionStr = (name, vals) => gppOwnSection(name, vals);

  const usnat = only('usnat', (fx) => fx.decoded.sections.usnat.version === 2 && fx.decoded.sections.usnat.gpc_segment_included);
  const usca = only('usca', (fx) => fx.decoded.sections.usca.gpc_segment_included);
  const uspv1 = only('uspv1');
  const tcfeu = only('tcfeuv2');
  const multi = find((fx) => fx.decoded.header.section_ids.length >= 3);
  const us = (fx, name) => fx.string.split('~')[1 + fx.decoded.header.section_ids.indexOf(SECTION_CLASSES[name].ID)];

  // bad_base64
  add('bad_base64', usnat.string.replace(/~(.{3})./, '~$1+'), `gpp_valid[${idx(usnat)}] with a section character replaced by '+'`);
  add('bad_base64', usca.string.replace(/^(.{2})./, '$1/'), `gpp_valid[${idx(usca)}] with a header character replaced by '/'`);
  add('bad_base64', usnat.string.split('.')[0] + '=', `gpp_valid[${idx(usnat)}] core segment with '=' padding appended (GPC sub-section dropped)`);
  add('bad_base64', tcfeu.string.replace(/~(.{10})./, '~$1!'), `gpp_valid[${idx(tcfeu)}] with a tcfeuv2 character replaced by '!'`);
  add('bad_base64', multi.string.replace(/~/, ' ~'), `gpp_valid[${idx(multi)}] with a space after the header`);
  // wrong_header_type
  const ids7 = [7];
  const usnatSec = us(usnat, 'usnat');
  [[0, 'type 0'], [1, 'type 1'], [2, "type 2 (first character 'C', which the JS library mistakes for a bare TC string)"], [4, 'type 4'], [63, 'type 63']].forEach(([t, what]) => {
    add('wrong_header_type', head(intBits(t, 6) + intBits(1, 6) + fibRangeBits(ids7)) + '~' + usnatSec, `header of ${what} instead of 3, listing section 7 (usnat), followed by a valid usnat section`);
  });
  // wrong_version
  [0, 2, 3, 63].forEach((v) => add('wrong_version', head(intBits(3, 6) + intBits(v, 6) + fibRangeBits(ids7)) + '~' + usnatSec, `header version ${v} instead of 1, listing section 7 (usnat), followed by a valid usnat section`));
  // section_count_mismatch
  add('section_count_mismatch', head(gppHeaderBits([7, 8])) + '~' + usnatSec, 'header lists sections 7 and 8, only one section follows');
  add('section_count_mismatch', head(gppHeaderBits([7])) + '~' + usnatSec + '~' + us(usca, 'usca'), 'header lists section 7, two sections follow');
  add('section_count_mismatch', head(gppHeaderBits([])) + '~' + usnatSec, 'header lists no section, one section follows');
  add('section_count_mismatch', multi.string.split('~').slice(0, -1).join('~'), `gpp_valid[${idx(multi)}] with its last section removed`);
  add('section_count_mismatch', usnat.string + '~', `gpp_valid[${idx(usnat)}] followed by an empty section`);
  // unknown_section
  [[1, 'id 1 (the retired tcfeuv1)'], [3, 'id 3 (the header\'s own id)'], [4, 'id 4 (unassigned)'], [28, 'id 28 (unassigned)'], [99, 'id 99']].forEach(([id, what]) => {
    const ids = uniqSorted([id, 7]);
    const secs = ids.map((x) => (x === 7 ? usnatSec : 'BAAAAAAA'));
    add('unknown_section', head(gppHeaderBits(ids)) + '~' + secs.join('~'), `header lists ${what} and 7 (usnat); the unknown section's body is 'BAAAAAAA'`);
  });
  // truncated
  add('truncated', 'DB', 'header with type and version only (no section-id range)');
  add('truncated', head(gppHeaderBits([7])).slice(0, 3) + '~' + usnatSec, 'header cut inside the section-id range');
  add('truncated', usnat.string.split('~')[0] + '~' + usnatSec.slice(0, 6), `gpp_valid[${idx(usnat)}] with the usnat core cut to 6 characters`);
  add('truncated', tcfeu.string.split('~')[0] + '~' + us(tcfeu, 'tcfeuv2').slice(0, 20), `gpp_valid[${idx(tcfeu)}] with tcfeuv2 cut to 20 characters of its core segment`);
  add('truncated', usca.string.split('~')[0] + '~' + us(usca, 'usca').slice(0, 3), `gpp_valid[${idx(usca)}] with usca cut to 3 characters`);
  add('truncated', uspv1.string.slice(0, -1), `gpp_valid[${idx(uspv1)}] with the last uspv1 character removed`);
  add('truncated', usnat.string.split('.')[0] + '.', `gpp_valid[${idx(usnat)}] with an empty GPC sub-section`);
  add('empty', '', 'the empty string');
  // bad_fibonacci (header section-id range)
  const hb = (count, body) => head(intBits(3, 6) + intBits(1, 6) + intBits(count, 12) + body);
  add('bad_fibonacci', hb(1, '0' + '0000000000') + '~' + usnatSec, "header: 1 entry, a single id whose Fibonacci code never ends ('11' missing)");
  add('bad_fibonacci', hb(2, '0' + fibBits(7)) + '~' + usnatSec + '~' + us(usca, 'usca'), 'header: 2 entries, only the first (id 7) is present');
  add('bad_fibonacci', hb(1, '1' + fibBits(7) + '0000') + '~' + usnatSec + '~' + us(usca, 'usca'), 'header: 1 range entry starting at 7 whose end code is missing');
  add('bad_fibonacci', hb(1, '0' + '0101') + '~' + usnatSec, "header: 1 entry, code '0101' without the terminating 1 (would be 7)");
  add('bad_fibonacci', hb(3, '0' + fibBits(7) + '0' + fibBits(1)) + '~' + usnatSec + '~' + us(usca, 'usca'), 'header: 3 entries, only 2 present (7, 8)');
  // bad_field_value (own writer, no validation)
  const withVals = (fx, name, patch, what) => {
    const vals = { ...fx.decoded.sections[name], ...patch };
    const parts = fx.string.split('~');
    parts[1 + fx.decoded.header.section_ids.indexOf(SECTION_CLASSES[name].ID)] = sectionStr(name, vals);
    add('bad_field_value', parts.join('~'), `gpp_valid[${idx(fx)}] with ${name} ${what}`);
  };
  withVals(usnat, 'usnat', { sharing_notice: 3 }, 'SharingNotice = 3 (allowed 0-2)');
  withVals(usnat, 'usnat', { mspa_covered_transaction: 0 }, 'MspaCoveredTransaction = 0 (allowed 1-2)');
  withVals(usnat, 'usnat', { mspa_covered_transaction: 3 }, 'MspaCoveredTransaction = 3 (allowed 1-2)');
  withVals(usnat, 'usnat', { version: 3 }, 'Version = 3 (only 1 and 2 exist)');
  withVals(usnat, 'usnat', { version: 0 }, 'Version = 0 (only 1 and 2 exist)');
  withVals(usnat, 'usnat', { sensitive_data_processing: [3, ...usnat.decoded.sections.usnat.sensitive_data_processing.slice(1)] }, 'SensitiveDataProcessing[0] = 3 (allowed 0-2)');
  withVals(usca, 'usca', { version: 2 }, 'Version = 2 (only 1 exists)');
  {
    // A sub-section type is a segment type: the same rule as TCF's segment types.
    const vals = { ...usca.decoded.sections.usca, gpc_segment_type: 2 };
    const parts = usca.string.split('~');
    parts[1 + usca.decoded.header.section_ids.indexOf(SECTION_CLASSES.usca.ID)] = sectionStr('usca', vals);
    add('bad_segment_type', parts.join('~'), `gpp_valid[${idx(usca)}] with usca GPC sub-section type 2 (must be 1)`);
  }
  const usva = only('usva');
  withVals(usva, 'usva', { known_child_sensitive_data_consents: 3 }, 'KnownChildSensitiveDataConsents = 3 (allowed 0-2)');
  const pv = uspv1.string.split('~');
  add('bad_field_value', pv[0] + '~1YX-', 'uspv1 with OptOutSale = X (allowed Y, N, -)');
  add('bad_field_value', pv[0] + '~2YN-', 'uspv1 with version 2 (only 1 exists)');
  add('bad_field_value', pv[0] + '~1yn-', 'uspv1 with lower-case y / n');
  // nonzero_padding
  {
    const padCase = (fx, name, segIndex, what) => {
      const L = LAYOUT.sections[name];
      const vals = fx.decoded.sections[name];
      const plan = gppSegmentPlan(name, vals);
      const ctx = name === 'usnat' && vals.version === 1 ? { listLen: { SensitiveDataProcessing: 12, KnownChildSensitiveDataConsents: 2 } } : {};
      const parts = fx.string.split('~');
      const si = 1 + fx.decoded.header.section_ids.indexOf(SECTION_CLASSES[name].ID);
      const segs = parts[si].split('.');
      const seg = L.segments[plan[segIndex]];
      const bits = gppSegmentBits(seg, vals, ctx).s;
      let padded = padBits(bits, padModeOf(seg));
      if (padded.length === bits.length) fail(`no padding in ${name}`);
      padded = setBit(padded, padded.length - 1, '1');
      segs[segIndex] = bitsToB64(padded);
      parts[si] = segs.join('.');
      add('nonzero_padding', parts.join('~'), `gpp_valid[${idx(fx)}] with the last padding bit of the ${name} ${what} set to 1`);
    };
    padCase(usnat, 'usnat', 0, 'core segment');
    padCase(usnat, 'usnat', 1, 'GPC sub-section');
    padCase(usca, 'usca', 0, 'core segment');
    padCase(tcfeu, 'tcfeuv2', 0, 'core segment');
    const hdr = usnat.decoded.header.section_ids;
    let hbits = padBits(gppHeaderBits(hdr), 'compressed');
    hbits = setBit(hbits, hbits.length - 1, '1');
    add('nonzero_padding', bitsToB64(hbits) + usnat.string.slice(usnat.string.indexOf('~')), `gpp_valid[${idx(usnat)}] with the last padding bit of the header set to 1`);
  }
  return out;
}

// =============================================================================================
// main
// =============================================================================================
const writeArray = (file, items) => {
  fs.writeFileSync(path.join(HERE, file), '[\n' + items.map((x) => JSON.stringify(x)).join(',\n') + '\n]\n');
};
const count = (arr, f) => arr.filter(f).length;

const rangeRule = checkTcfRangeRule();
const { valid: tcValid, dropped: tcDropped } = buildTcValid();
const tcInvalid = buildTcInvalid(tcValid);
const gppValid = buildGppValid();
const gppInvalid = buildGppInvalid(gppValid);

// coverage the brief asks for; abort if anything is missing
const tcCov = (() => {
  const segTypes = (fx) => tcSegmentTypesOf(fx.string);
  const enc = (fx, key) => { const m = tcWriteSegments(fx.decoded)[0].marks; return m[`${key}.type`] ? (m[`${key}.num`] ? 'range' : 'bitfield') : null; };
  const cov = {
    'policy version 4': count(tcValid, (f) => f.decoded.tcf_policy_version === 4),
    'policy version 5': count(tcValid, (f) => f.decoded.tcf_policy_version === 5),
    'is_service_specific true': count(tcValid, (f) => f.decoded.is_service_specific),
    'is_service_specific false': count(tcValid, (f) => !f.decoded.is_service_specific),
    'purpose_one_treatment true': count(tcValid, (f) => f.decoded.purpose_one_treatment),
    'use_non_standard_texts true': count(tcValid, (f) => f.decoded.use_non_standard_texts),
    'with special features': count(tcValid, (f) => f.decoded.special_feature_optins.length > 0),
    'distinct consent languages': new Set(tcValid.map((f) => f.decoded.consent_language)).size,
    'distinct publisher CCs': new Set(tcValid.map((f) => f.decoded.publisher_cc)).size,
    'distinct cmp ids': new Set(tcValid.map((f) => f.decoded.cmp_id)).size,
    'time of day not midnight': count(tcValid, (f) => !f.decoded.created.endsWith('T00:00:00.0Z')),
    'created at midnight UTC': count(tcValid, (f) => f.decoded.created.endsWith('T00:00:00.0Z')),
    'vendor consents range-encoded': count(tcValid, (f) => enc(f, 'vc') === 'range'),
    'vendor consents bitfield-encoded (non-empty)': count(tcValid, (f) => enc(f, 'vc') === 'bitfield' && f.decoded.vendor_consents.length),
    'vendor consents empty': count(tcValid, (f) => f.decoded.vendor_consents.length === 0),
    'vendor LI range-encoded': count(tcValid, (f) => enc(f, 'vli') === 'range'),
    'vendor LI empty': count(tcValid, (f) => f.decoded.vendor_legitimate_interests.length === 0),
    'vendor consents 150-260 vendors': count(tcValid, (f) => f.decoded.vendor_consents.length >= 150 && f.decoded.vendor_consents.length <= 260),
    'max vendor id >= 1200': count(tcValid, (f) => Math.max(0, ...f.decoded.vendor_consents, ...f.decoded.vendor_legitimate_interests, ...(f.decoded.disclosed_vendors || [])) >= 1200),
    'vendor set within 1 bit of the range/bitfield tie': count(tcValid, (f) => [f.decoded.vendor_consents, f.decoded.vendor_legitimate_interests, f.decoded.disclosed_vendors || []].some((v) => v.length && v[v.length - 1] > 45 && Math.abs(tcfMargin(v)) <= 1)),
    'with publisher restrictions': count(tcValid, (f) => f.decoded.publisher_restrictions.length > 0),
    'restriction type 0': count(tcValid, (f) => f.decoded.publisher_restrictions.some((r) => r.restriction_type === 0)),
    'restriction type 1': count(tcValid, (f) => f.decoded.publisher_restrictions.some((r) => r.restriction_type === 1)),
    'restriction type 2': count(tcValid, (f) => f.decoded.publisher_restrictions.some((r) => r.restriction_type === 2)),
    'with Disclosed Vendors segment': count(tcValid, (f) => segTypes(f).includes(1)),
    'Disclosed Vendors segment empty': count(tcValid, (f) => f.decoded.disclosed_vendors && f.decoded.disclosed_vendors.length === 0),
    'without Disclosed Vendors segment': count(tcValid, (f) => !segTypes(f).includes(1)),
    'with Publisher TC segment': count(tcValid, (f) => segTypes(f).includes(3)),
    'Publisher TC with custom purposes': count(tcValid, (f) => f.decoded.publisher_tc && f.decoded.publisher_tc.num_custom_purposes > 0),
    'core segment only': count(tcValid, (f) => segTypes(f).length === 1),
  };
  for (const [k, v] of Object.entries(cov)) if (!v) fail(`TCF coverage missing: ${k}`);
  return cov;
})();
const gppCov = (() => {
  const cov = {};
  for (const name of SECTION_ORDER) cov[name] = count(gppValid, (f) => f.decoded.sections[name]);
  cov['usnat version 1'] = count(gppValid, (f) => f.decoded.sections.usnat?.version === 1);
  cov['usnat version 2'] = count(gppValid, (f) => f.decoded.sections.usnat?.version === 2);
  cov['single section'] = count(gppValid, (f) => f.decoded.header.section_ids.length === 1);
  cov['2+ sections'] = count(gppValid, (f) => f.decoded.header.section_ids.length >= 2);
  cov['all 24 sections'] = count(gppValid, (f) => f.decoded.header.section_ids.length === SECTION_ORDER.length);
  cov['GPC sub-section present'] = count(gppValid, (f) => Object.values(f.decoded.sections).some((s) => s.gpc_segment_included === true));
  cov['GPC sub-section absent'] = count(gppValid, (f) => Object.values(f.decoded.sections).some((s) => s.gpc_segment_included === false));
  cov['sensitive-data sub-section present'] = count(gppValid, (f) => Object.values(f.decoded.sections).some((s) => s.sensitive_data_consent_segment_included === true));
  cov['sensitive-data sub-section absent'] = count(gppValid, (f) => Object.values(f.decoded.sections).some((s) => s.sensitive_data_consent_segment_included === false));
  cov['tcfcav1 without Disclosed Vendors segment'] = count(gppValid, (f) => f.decoded.sections.tcfcav1 && !('disclosed_vendors' in f.decoded.sections.tcfcav1));
  for (const [k, v] of Object.entries(cov)) if (!v) fail(`GPP coverage missing: ${k}`);
  return cov;
})();
const TC_RULES = ['bad_base64', 'wrong_version', 'truncated', 'bad_segment_type', 'range_out_of_order', 'vendor_beyond_max', 'nonzero_padding', 'trailing_data', 'disclosed_vendors_missing', 'legitimate_interest_not_allowed', 'bad_language', 'empty'];
const GPP_RULES = ['bad_base64', 'wrong_header_type', 'wrong_version', 'section_count_mismatch', 'unknown_section', 'truncated', 'bad_fibonacci', 'bad_field_value', 'nonzero_padding'];
for (const r of TC_RULES) if (count(tcInvalid, (x) => x.rule === r) < 5) fail(`fewer than 5 invalid TC strings for ${r}`);
for (const r of GPP_RULES) if (count(gppInvalid, (x) => x.rule === r) < 3) fail(`fewer than 3 invalid GPP strings for ${r}`);
if (new Set(tcInvalid.map((x) => x.string)).size !== tcInvalid.length) fail('duplicate invalid TC strings');
if (new Set(gppInvalid.map((x) => x.string)).size !== gppInvalid.length) fail('duplicate invalid GPP strings');
for (const x of tcInvalid) if (tcValid.some((v) => v.string === x.string)) fail(`invalid TC string is also valid: ${x.string}`);

writeArray('tcf_valid.json', tcValid);
writeArray('tcf_invalid.json', tcInvalid);
writeArray('gpp_valid.json', gppValid);
writeArray('gpp_invalid.json', gppInvalid);

const summary = {
  tcf_valid: tcValid.length, tcf_dropped: tcDropped.length, tcf_invalid: tcInvalid.length,
  gpp_valid: gppValid.length, gpp_invalid: gppInvalid.length, range_rule_checks: rangeRule,
};
fs.writeFileSync(path.join(HERE, 'README.md'), (await import('./readme.mjs')).renderReadme({
  TCF_LIB_VERSION, GPP_LIB_VERSION, nodeVersion: process.version, tcValid, tcDropped, tcInvalid, gppValid, gppInvalid,
  tcCov, gppCov, rangeRule, LAYOUT, TC_RULES, GPP_RULES, fixedBits, snake,
}));
console.log(JSON.stringify(summary));
