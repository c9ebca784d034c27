#!/usr/bin/env node
// Reference throughput of the IAB's JavaScript consent-string libraries, for comparison with custos's codec.
//
//   (cd testdata/consent-signals && npm ci)      # once: installs the pinned libraries
//   node bench/consent_ref.mjs [--seconds 2]
//
// Loads testdata/consent-signals/tcf_valid.json and gpp_valid.json and imports the libraries from
// testdata/consent-signals/node_modules. Measures, each for at least --seconds (default 2) after a short warm-up:
//   tc_decode    TCString.decode(s) of the median-length TC string among those with 150-250 consented vendors
//   tc_encode    TCString.encode(model) of that string's decoded model (GVL attached, same segments).
//                The library cannot encode without a GVL and deep-clones the model, GVL included
//                (new GVL(gvl.getJson())), on every call, so this figure falls as the GVL grows. The
//                in-memory GVL here has tc_gvl_vendors (1300) vendors, about the size of the real list.
//   gpp_decode   new GppModel(s).toObject() (the model decodes lazily; toObject() forces every field),
//                of the median-length GPP string in the fixtures
//   gpp_encode   a new GppModel, every field set from the decoded values, then encode()
//   gpp_usnat_*  the same for the median-length single-section usnat (version 2) string
//   gpp_tcfeuv2_* the same for the median-length single-section tcfeuv2 string
// Every encode is checked once to give back the original string. Prints one JSON line.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'testdata', 'consent-signals');
const NODE_MODULES = path.join(FIXTURES, 'node_modules');

const argSeconds = process.argv.indexOf('--seconds');
const SECONDS = argSeconds > 0 ? Number(process.argv[argSeconds + 1]) : 2;
if (!(SECONDS > 0)) throw new Error('--seconds must be a positive number');

const load = (pkg) => {
  const file = path.join(NODE_MODULES, pkg, 'lib', 'mjs', 'index.js');
  if (!fs.existsSync(file)) {
    console.error(`consent_ref: ${file} is missing; run (cd testdata/consent-signals && npm ci) first`);
    process.exit(2);
  }
  return import(pathToFileURL(file).href);
};
const pkgVersion = (pkg) => JSON.parse(fs.readFileSync(path.join(NODE_MODULES, pkg, 'package.json'), 'utf8')).version;
const { TCString, GVL } = await load('@iabtechlabtcf/core');
const { GppModel, AbstractLazilyEncodableSection } = await load('@iabgpp/cmpapi');
const readJson = (name) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

// ---- measurement ---------------------------------------------------------------------------------------
let sink = 0;
function measure(fn) {
  const run = (seconds) => {
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    const start = process.hrtime.bigint();
    let ops = 0;
    let now = start;
    while (now < end) {
      for (let i = 0; i < 64; i++) sink += fn();
      ops += 64;
      now = process.hrtime.bigint();
    }
    return ops / (Number(now - start) / 1e9);
  };
  run(Math.min(0.5, SECONDS / 4)); // warm-up (JIT)
  return Math.round(run(SECONDS));
}
const median = (items, key) => [...items].sort((a, b) => key(a) - key(b) || (a.string < b.string ? -1 : 1))[Math.floor((items.length - 1) / 2)];

// ---- TC strings ------------------------------------------------------------------------------------------
const tcValid = readJson('tcf_valid.json');
const tcPool = tcValid.filter((f) => f.decoded.vendor_consents.length >= 150 && f.decoded.vendor_consents.length <= 250);
const tc = median(tcPool, (f) => f.string.length);

// Encoding needs a GVL. Build the same kind of in-memory list generate.mjs uses: vendor ids 1..1300,
// each declaring purposes 1-11 for consent, legitimate interest and flexible basis, so nothing is filtered.
function makeGvl(d) {
  const named = (n, what) => Object.fromEntries(Array.from({ length: n }, (_, i) => [i + 1, { id: i + 1, name: `${what} ${i + 1}`, description: '', illustrations: [] }]));
  const p11 = Array.from({ length: 11 }, (_, i) => i + 1);
  const vendors = {};
  for (let id = 1; id <= 1300; id++) {
    vendors[id] = { id, name: `Vendor ${id}`, purposes: p11, legIntPurposes: p11, flexiblePurposes: p11, specialPurposes: [1, 2],
      features: [1, 2, 3], specialFeatures: [1, 2], policyUrl: '', cookieMaxAgeSeconds: 86400, usesCookies: true, cookieRefresh: false, usesNonCookieAccess: false };
  }
  return new GVL({
    gvlSpecificationVersion: 3, vendorListVersion: d.vendor_list_version, tcfPolicyVersion: d.tcf_policy_version, lastUpdated: '2026-01-01T00:00:00Z',
    purposes: named(11, 'Purpose'), specialPurposes: named(3, 'Special purpose'), features: named(3, 'Feature'), specialFeatures: named(2, 'Special feature'),
    stacks: {}, dataCategories: {}, vendors,
  }, { language: d.consent_language });
}
const tcSegments = ['core', ...(tc.decoded.disclosed_vendors ? ['vendorsDisclosed'] : []), ...(tc.decoded.publisher_tc ? ['publisherTC'] : [])];
const tcModel = TCString.decode(tc.string);
tcModel.gvl = makeGvl(tc.decoded);
if (TCString.encode(tcModel, { segments: tcSegments }) !== tc.string) throw new Error('TC re-encode differs from the fixture');

const tcDecode = measure(() => TCString.decode(tc.string).cmpId);
const tcEncode = measure(() => TCString.encode(tcModel, { segments: tcSegments }).length);

// ---- GPP strings -----------------------------------------------------------------------------------------
const gppValid = readJson('gpp_valid.json');
const TCF_SECTIONS = new Set(['tcfeuv2', 'tcfcav1']);
const FLAGS = ['GpcSegmentIncluded', 'SensitiveDataConsentSegmentIncluded'];

// decoded field values of every section, in the library's own shapes, in field order
function sectionValues(str) {
  const m = new GppModel(str);
  m.getSectionIds(); // decoding is lazy: this fills m.sections
  const out = [];
  for (const name of m.sections.keys()) {
    const fields = Object.entries(m.getSection(name));
    for (const flag of FLAGS) {
      // the sub-section flags are not encoded fields, so hasField() does not see them
      try { fields.unshift([flag, m.getFieldValue(name, flag)]); } catch { /* section has no such sub-section */ }
    }
    out.push([name, fields]);
  }
  return out;
}
function encodeFromValues(values) {
  const m = new GppModel();
  for (const [name, fields] of values) {
    for (const [field, v] of fields) {
      if (TCF_SECTIONS.has(name) && (field === 'Created' || field === 'LastUpdated')) continue;
      m.setFieldValue(name, field, Array.isArray(v) ? [...v] : v);
    }
    if (TCF_SECTIONS.has(name)) {
      // the TCF sections overwrite both timestamps on every other write: set them last, each on its own
      const section = m.sections.get(name);
      const byName = Object.fromEntries(fields);
      AbstractLazilyEncodableSection.prototype.setFieldValue.call(section, 'Created', byName.Created);
      AbstractLazilyEncodableSection.prototype.setFieldValue.call(section, 'LastUpdated', byName.LastUpdated);
      section.setIsDirty(true);
    }
  }
  return m.encode();
}
function gppCase(fixture) {
  const values = sectionValues(fixture.string);
  if (encodeFromValues(values) !== fixture.string) throw new Error(`GPP re-encode differs from the fixture ${fixture.string}`);
  return {
    string: fixture.string,
    sections: Object.keys(fixture.decoded.sections),
    decode: measure(() => Object.keys(new GppModel(fixture.string).toObject()).length),
    encode: measure(() => encodeFromValues(values).length),
  };
}
const gppMedian = gppCase(median(gppValid, (f) => f.string.length));
const single = (name, pred = () => true) => median(gppValid.filter((f) => f.decoded.header.section_ids.length === 1 && f.decoded.sections[name] && pred(f.decoded.sections[name])), (f) => f.string.length);
const gppUsnat = gppCase(single('usnat', (s) => s.version === 2));
const gppTcfEu = gppCase(single('tcfeuv2'));

console.log(JSON.stringify({
  bench: 'consent_ref',
  node: process.version,
  tcf_lib: `@iabtechlabtcf/core ${pkgVersion('@iabtechlabtcf/core')}`,
  gpp_lib: `@iabgpp/cmpapi ${pkgVersion('@iabgpp/cmpapi')}`,
  seconds_per_measure: SECONDS,
  tc_string_chars: tc.string.length,
  tc_vendor_consents: tc.decoded.vendor_consents.length,
  tc_segments: tcSegments,
  tc_gvl_vendors: Object.keys(tcModel.gvl.vendors).length,
  tc_decode_per_sec: tcDecode,
  tc_encode_per_sec: tcEncode,
  gpp_string_chars: gppMedian.string.length,
  gpp_sections: gppMedian.sections,
  gpp_decode_per_sec: gppMedian.decode,
  gpp_encode_per_sec: gppMedian.encode,
  gpp_usnat_string: gppUsnat.string,
  gpp_usnat_decode_per_sec: gppUsnat.decode,
  gpp_usnat_encode_per_sec: gppUsnat.encode,
  gpp_tcfeuv2_string_chars: gppTcfEu.string.length,
  gpp_tcfeuv2_decode_per_sec: gppTcfEu.decode,
  gpp_tcfeuv2_encode_per_sec: gppTcfEu.encode,
  sink: sink > 0,
}));
