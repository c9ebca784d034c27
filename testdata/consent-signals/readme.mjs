// Renders README.md for generate.mjs. Every count, acceptance figure and GPP layout table below is
// computed from the fixtures just written and from the installed libraries, so the README cannot
// drift from the data. Edit the prose here, then run `node generate.mjs`.

const ENCODING = {
  EncodableFixedInteger: (f) => `int(${f.bits})`,
  EncodableBoolean: () => 'bool(1)',
  EncodableFixedIntegerList: (f) => `${f.numElements} × int(${f.elementBits})`,
  EncodableFixedBitfield: (f) => `bitfield(${f.numElements})`,
  EncodableFlexibleBitfield: () => 'bitfield(NumCustomPurposes)',
  EncodableFixedString: (f) => `${f.chars} × char(6)`,
  EncodableDatetime: () => 'datetime(36)',
  EncodableOptimizedFixedRange: () => 'optimized range, fixed-int entries',
  EncodableOptimizedFibonacciRange: () => 'optimized range, Fibonacci entries',
  EncodableFibonacciIntegerRange: () => 'Fibonacci range',
  EncodableArrayOfFixedIntegerRanges: (f) => `restrictions: int(12) count, then per entry int(${f.keyBits}) purpose, int(${f.typeBits}) type, fixed-int range`,
  EncodableArrayOfOptimizedFibonacciRanges: (f) => `restrictions: int(12) count, then per entry int(${f.keyBits}) purpose, int(${f.typeBits}) type, optimized range with Fibonacci entries`,
  UnencodableCharacter: () => '1 ASCII character',
  UnencodableInteger: () => '1 ASCII digit',
};
const JSON_SHAPE = {
  EncodableFixedInteger: 'int', EncodableBoolean: 'bool', EncodableFixedIntegerList: 'array of int',
  EncodableFixedBitfield: 'ids of set bits', EncodableFlexibleBitfield: 'ids of set bits', EncodableFixedString: 'string',
  EncodableDatetime: 'ISO timestamp', EncodableOptimizedFixedRange: 'ids', EncodableOptimizedFibonacciRange: 'ids',
  EncodableFibonacciIntegerRange: 'ids', EncodableArrayOfFixedIntegerRanges: 'restrictions', EncodableArrayOfOptimizedFibonacciRanges: 'restrictions',
  UnencodableCharacter: 'string (1 char)', UnencodableInteger: 'int',
};

function allowedText(f) {
  if (f.allowed) return f.allowed.join(', ');
  if (f.type === 'UnencodableCharacter') return 'Y, N, - (not checked on decode)';
  return '';
}
function defaultText(f) {
  const d = f.default;
  if (d === '(now)') return 'now';
  if (Array.isArray(d)) {
    if (d.length && typeof d[0] === 'boolean') return 'none set';
    if (d.length && d.every((x) => x === d[0])) return `${d.length} × ${d[0]}`;
    return d.length ? JSON.stringify(d) : '[]';
  }
  return JSON.stringify(d);
}

function sectionTables(x, name, sec) {
  const lines = [];
  const fams = {
    header: 'JSON: `header` holds only `version` and `section_ids` (Id is always 3).',
    tcfeuv2: 'Segments are written as `core.vendorsDisclosed.publisherPurposes`, always all three (the encoder throws if IsServiceSpecific is false; Vendors Allowed is never written). On decode each `.`-part is routed by its first character (A-H core, I-P type 1, Q-X type 2, Y-f type 3; anything else throws). The tables list the segments in the library\'s internal order (core, publisher purposes, vendors allowed, vendors disclosed), which is also the JSON key order. Setting PurposeLegitimateInterests through the library clears purposes 1 and 3-6, as `@iabtechlabtcf/core` does. The vendor fields use the optimized-range rule of this library, not the TCF library\'s estimate.',
    tcfcav1: 'Segments are written as `core.publisherPurposes`, plus `.disclosedVendors` when DisclosedVendors is non-empty. On decode each `.`-part is routed by its first character (A-H core, I-P type 1, Y-f type 3; anything else throws). The decoder first tries the Fibonacci layout shown here and, if that does not re-encode to a prefix of the bits, a legacy layout where the three vendor fields use fixed-int ranges (written by older encoders).',
    uspv1: 'Not base64: the section is the 4 characters version, Notice, OptOutSale, LspaCovered (e.g. `1YN-`). The decoder requires exactly 4 characters and does not validate them.',
  };
  lines.push(`### ${name} (section id ${sec.id}, version ${sec.version})`, '');
  if (fams[name]) lines.push(fams[name], '');
  else if (sec.segments.length === 2) {
    const flag = sec.segments[1].hidden[0];
    lines.push(`Segments: \`core\` then, only when \`${flag}\` is true, \`.\` and the sub-section. \`${flag}\` is not encoded: the decoder sets it from the presence of a second \`.\`-part (further parts are ignored). A new section object has it **true** by default. JSON: \`${x.snake(flag)}\` is always present; the sub-section's fields only when it is true.`, '');
  }
  if (name === 'usnat') {
    lines.push('Version 1 strings drop the last 4 SensitiveDataProcessing entries and the 3rd KnownChildSensitiveDataConsents entry: the encoder writes 12 × int(2) and 2 × int(2) there when `Version` is 1 (60 bits, 66 after padding) and the layout below when it is 2 (70 bits, 72 after padding). The decoder does **not** look at the Version field for this: a core segment that decodes to exactly 60 or 66 bits is read with the version-1 layout, anything else with the version-2 layout. The JSON lists have 12 and 2 entries for version 1.', '');
  }
  sec.segments.forEach((seg, si) => {
    const total = seg.fields.reduce((a, f) => (a === null || x.fixedBits(f) === null ? null : a + x.fixedBits(f)), 0);
    let size = '';
    if (total !== null && seg.base64 !== 'none (plain characters)') {
      let p = total;
      if (seg.base64 === 'traditional') { while (p % 24) p++; } else { while (p % 8) p++; while (p % 6) p++; }
      size = ` — ${total} bits, padded to ${p} = ${p / 6} characters`;
    }
    lines.push(`Segment ${si + 1}: \`${seg.cls}\`, base64: ${seg.base64}${size}`, '');
    lines.push('| # | library field | JSON key | encoding | allowed on encode | default |', '| --- | --- | --- | --- | --- | --- |');
    seg.fields.forEach((f, i) => {
      lines.push(`| ${i + 1} | ${f.name} | ${x.snake(f.name)} (${JSON_SHAPE[f.type]}) | ${ENCODING[f.type](f)} | ${allowedText(f)} | ${defaultText(f)} |`);
    });
    lines.push('');
  });
  return lines.join('\n');
}

function acceptanceTable(items, rules, label) {
  const rows = rules.map((r) => {
    const of = items.filter((i) => i.rule === r);
    const acc = of.filter((i) => i.js_accepts);
    return `| \`${r}\` | ${of.length} | ${acc.length} | ${acc.length ? acc.map((i) => i.note.replace(/\|/g, '\\|')).join('<br>') : '—'} |`;
  });
  return [`| rule | strings | accepted by ${label} | accepted cases (each is a bug custos must not copy) |`, '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function renderReadme(x) {
  const byRule = (items, r) => items.filter((i) => i.rule === r).length;
  const covTable = (cov) => ['| feature | fixtures |', '| --- | --- |', ...Object.entries(cov).map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
  const gppSections = Object.values(x.LAYOUT.sections);
  return `# Consent-signal fixtures: TCF v2.2/v2.3 TC strings and IAB GPP strings

Test fixtures for custos's TC string and GPP codec. Every valid string was encoded by the IAB Tech Lab's
own JavaScript libraries and decoded back by them. Every invalid string was built by bit manipulation in
\`generate.mjs\`, and each invalid fixture records whether the JavaScript library accepts it.

**Do not edit the JSON files or this README by hand.** \`generate.mjs\` writes them (\`readme.mjs\` holds the
prose of this file).

## Regenerate

\`\`\`sh
cd testdata/consent-signals
npm ci                 # installs the two pinned libraries into node_modules/ (git-ignored)
node generate.mjs      # rewrites tcf_*.json, gpp_*.json and README.md (about 10 s)
\`\`\`

The output is deterministic: a seeded PRNG (sfc32) drives every choice, every date is fixed, and nothing is
fetched. Two runs write byte-identical files. Last generated with Node ${x.nodeVersion}.

Versions (pinned exactly in \`package.json\`, locked in \`package-lock.json\`):

| package | version |
| --- | --- |
| \`@iabtechlabtcf/core\` | ${x.TCF_LIB_VERSION} |
| \`@iabgpp/cmpapi\` | ${x.GPP_LIB_VERSION} |

\`generate.mjs\` checks its own output and stops on any mismatch:

* Every valid TC string: \`TCString.decode(string)\`, given the same GVL, re-encodes to the same string. A string
  that failed this would be dropped and counted: **${x.tcDropped.length} dropped**. The decoded JSON equals the JSON the
  string was made from. An independent bit writer in \`generate.mjs\` (\`tcWriteSegments\`), which implements
  the rules in this README, writes the same string from the decoded JSON.
* The bitfield-or-range rule below was compared with the library's \`VendorVectorEncoder\` on
  ${x.rangeRule.checked} vendor sets. ${x.rangeRule.range_encoded} of them were range-encoded, and ${x.rangeRule.within_one_bit_of_tie} were within one bit of the tie.
* Every valid GPP string: \`new GppModel(string)\` decodes to the JSON it was made from. The independent
  writer (\`gppOwnEncode\`) re-encodes the decoded JSON to the same string.

## Files

| file | items | content |
| --- | --- | --- |
| \`tcf_valid.json\` | ${x.tcValid.length} | \`{"string", "decoded"}\`: a TC string written by \`TCString.encode\` |
| \`tcf_invalid.json\` | ${x.tcInvalid.length} | \`{"string", "rule", "js_accepts", "note"}\` |
| \`gpp_valid.json\` | ${x.gppValid.length} | \`{"string", "decoded"}\`: a GPP string written by \`GppModel.encode\` |
| \`gpp_invalid.json\` | ${x.gppInvalid.length} | \`{"string", "rule", "js_accepts", "note"}\` |
| \`generate.mjs\`, \`readme.mjs\` | | the generator and this README's template |
| \`package.json\`, \`package-lock.json\` | | the pinned libraries |
| \`../../bench/consent_ref.mjs\` | | throughput of the two JS libraries on these fixtures (\`node bench/consent_ref.mjs\`, one JSON line) |

Each file is a JSON array with one object per line. A \`note\` names the valid fixture the string was derived
from as \`tcf_valid[i]\` or \`gpp_valid[i]\`, counting from 0. When JS rejects the string, the note ends with
\`[JS throws …]\`.

## Decoded JSON: TC strings

\`\`\`json
{"version":2,"created":"2026-03-01T12:34:56.7Z","last_updated":"2026-03-01T12:34:56.7Z","cmp_id":300,"cmp_version":2,
 "consent_screen":1,"consent_language":"EN","vendor_list_version":150,"tcf_policy_version":5,"is_service_specific":true,
 "use_non_standard_texts":false,"special_feature_optins":[1],"purpose_consents":[1,2,3],"purpose_legitimate_interests":[2,7],
 "purpose_one_treatment":false,"publisher_cc":"DE","vendor_consents":[1,2,755],"vendor_legitimate_interests":[],
 "publisher_restrictions":[{"purpose_id":2,"restriction_type":1,"vendor_ids":[8,9,10]}],
 "disclosed_vendors":[1,2,8,755],
 "publisher_tc":{"purpose_consents":[1],"purpose_legitimate_interests":[],"num_custom_purposes":2,
                 "custom_purpose_consents":[2],"custom_purpose_legitimate_interests":[]}}
\`\`\`

* Id lists are sorted ascending and list the set bits, counting from 1.
* \`publisher_restrictions\` is sorted by \`purpose_id\`, then by \`restriction_type\`, and the fixtures' strings
  store them in that order. An entry never has an empty \`vendor_ids\`: the JS decoder cannot represent one
  (it drops it, so such a string would not round-trip).
* \`disclosed_vendors\` is present iff the string has a Disclosed Vendors segment (type 1), which may be empty
  (MaxVendorId 0). \`publisher_tc\` is present iff it has a Publisher TC segment (type 3).
* Timestamps are UTC with decisecond precision, always with exactly one fractional digit.
* Segment order in the fixtures is core, Disclosed Vendors, Publisher TC: the order the library writes.

## Decoded JSON: GPP strings

\`\`\`json
{"header":{"version":1,"section_ids":[7]},
 "sections":{"usnat":{"version":2,"sharing_notice":0,"sale_opt_out_notice":2,"…":"…",
                      "gpc_segment_included":true,"gpc_segment_type":1,"gpc":true}}}
\`\`\`

* \`section_ids\` is ascending. The library writes sections in ascending id order (its \`SECTION_ORDER\` is
  ascending by id), and \`sections\` is keyed by the library's section name (\`tcfeuv2\`, \`usnat\`, …).
* Field names are the library's names, snake_cased (\`SharingNotice\` → \`sharing_notice\`,
  \`MspaVersion\` → \`mspa_version\`). Keys follow the library's field order (the encoded order).
* Integer lists are arrays of ints. Fixed and flexible bitfields (tcfeuv2 and tcfcav1 purposes, special
  features, custom purposes) are given as the ids of the set bits, counting from 1, like the TC JSON. Vendor
  lists are arrays of ids. Datetimes are ISO strings as above. Publisher restrictions are
  \`[{"purpose_id","restriction_type","vendor_ids"}]\` in string order.
* US sections with an optional sub-section: \`gpc_segment_included\` (or \`sensitive_data_consent_segment_included\`
  for usin, usky, usri) is always present. The sub-section's fields (\`gpc_segment_type\`, \`gpc\` /
  \`sensitive_data_processing\`) are present only when the flag is true. The JS library's \`toObj()\` reports
  defaults for an absent sub-section; the JSON omits them instead.
* tcfeuv2 and tcfcav1: each segment's fields, including its \`*_segment_type\` field, are present iff that
  segment is in the string.
* uspv1: \`{"version":1,"notice":"Y","opt_out_sale":"N","lspa_covered":"-"}\`.

## TC strings: what \`@iabtechlabtcf/core\` writes

### Segments and bit layout

A TC string is its segments joined with \`.\`. Each segment is base64url-encoded on its own. The core segment
has no type field: its first 6 bits are the version (2), so its first 3 bits are 0. Every other segment
starts with a 3-bit segment type: 1 is Disclosed Vendors, 2 is Allowed Vendors (not written since
v2.2), 3 is Publisher TC.

| core field | bits | notes |
| --- | --- | --- |
| Version | 6 | 2 |
| Created | 36 | deciseconds since the Unix epoch (\`Math.round(ms / 100)\`) |
| LastUpdated | 36 | same |
| CmpId | 12 | the JS model refuses values < 2, on decode too |
| CmpVersion | 12 | |
| ConsentScreen | 6 | |
| ConsentLanguage | 12 | 2 letters × 6 bits, A=0 … Z=25 |
| VendorListVersion | 12 | |
| TcfPolicyVersion | 6 | |
| IsServiceSpecific | 1 | |
| UseNonStandardTexts | 1 | |
| SpecialFeatureOptins | 12 | bit i-1 = id i |
| PurposesConsent | 24 | |
| PurposesLITransparency | 24 | |
| PurposeOneTreatment | 1 | |
| PublisherCC | 12 | 2 letters × 6 bits |
| Vendor consents | var | vendor vector, below |
| Vendor legitimate interests | var | vendor vector |
| Publisher restrictions | var | NumPubRestrictions int(12), then per restriction PurposeId int(6), RestrictionType int(2), NumEntries int(12), entries |

* **Vendor vector**: MaxVendorId int(16), then EncodingType int(1), where 0 is a bitfield and 1 is ranges.
  A bitfield is MaxVendorId bits, and bit i-1 is vendor i. Ranges are NumEntries int(12) followed by
  the entries. An entry is IsRange int(1), then StartOrOnlyVendorId int(16), then EndVendorId int(16) if
  IsRange is 1. An empty set is MaxVendorId 0 and type 0 (17 bits).
* **Range entries**: the encoder writes each maximal run of consecutive ids as one entry, in ascending order.
  A run of length 1 is a single entry (IsRange 0). Publisher-restriction entries merge ids across gaps
  that contain no GVL vendor. The fixtures' GVL holds every id from 1 to 1300, so in these fixtures a run
  always means consecutive ids.
* **Disclosed Vendors segment**: type int(3) = 1, then one vendor vector.
* **Publisher TC segment**: type int(3) = 3, PubPurposesConsent bitfield(24), PubPurposesLITransparency
  bitfield(24), NumCustomPurposes int(6), CustomPurposesConsent bitfield(NumCustomPurposes),
  CustomPurposesLITransparency bitfield(NumCustomPurposes).

### Base64url and padding

Each segment's bit string is padded with zero bits **to a multiple of 24 bits**, the LCM of 6 and 8
(\`Base64Url.LCM = 24\`). It is then written 6 bits per character in the URL-safe alphabet \`A-Z a-z 0-9 - _\`.
Every segment is therefore a multiple of 4 characters long. **No \`=\` is ever written.** The decoder accepts
only \`[A-Za-z0-9_-]+\` per segment, so \`=\`, \`+\`, \`/\` and empty segments are rejected. It accepts any
length and never checks that the padding is zero or that nothing follows the last field (see the invalid
table).

### Bitfield or range: the encoder's rule, tie-break included

MaxVendorId is the largest id in the set, or 0 for an empty set. The encoder first drops the vendors it
would not signal: ids not in the GVL, and vendors that declare no purpose for the legal basis. The
fixtures' GVL keeps every id from 1 to 1300. \`VendorVectorEncoder.encode\` does **not** pick the shorter
encoding. It runs a cost estimate while it walks ids 1..MaxVendorId and decides on the last id:

\`\`\`
runs = maximal runs of consecutive ids, ascending
if MaxVendorId <= 45: bitfield                        # even when a range would be shorter
L = 16 + 1 + 12                                       # MaxVendorId + EncodingType + NumEntries
for each run except the last: L += (single ? 16 : 33) # a single is counted as 16 bits, not 17
if the last run has more than one id: L += 17         # the last run's remaining cost is never counted
use ranges  iff  L < 16 + 1 + MaxVendorId             # strict '<': a tie (L == 17 + MaxVendorId) gives a bitfield
\`\`\`

So it picks ranges whenever they are strictly shorter, or the same length, as the bitfield (with MaxVendorId
> 45). It also picks ranges in some cases where they are longer. For example, \`{50,52,…,66,157}\` (nine
even ids and 157) gets a 199-bit range encoding instead of a 174-bit bitfield. \`{45}\` gets a 62-bit bitfield
although a range would take 46 bits. \`generate.mjs\` checks both examples. To write byte-identical strings,
custos must reproduce this estimate exactly. Several fixtures sit at margins -2…+3 bits from the tie,
ending in a single id and ending in a run.

The GPP library's TCF sections use a different rule (below).

### Timestamps

\`DateEncoder\` writes \`Math.round(date.getTime() / 100)\` and does **not** zero the time of day: the encoder
writes whatever \`created\` / \`lastUpdated\` hold. \`new TCModel()\` and \`TCModel.updated()\` set both to today's
00:00:00.0 UTC (day-level), so CMPs that keep the defaults write midnight timestamps. The fixtures contain
both midnight timestamps and timestamps with a time of day and deciseconds.

### Encoder behaviour the fixtures rely on

* Encoding needs a GVL (\`SemanticPreEncoder\` throws without one). ConsentLanguage is taken from the GVL's
  language, the first 2 letters upper-cased (\`PT-BR\` → \`PT\`). VendorListVersion and TcfPolicyVersion come
  from the GVL. \`generate.mjs\` builds an in-memory GVL for each combination of these three values.
* Bits 1, 3, 4, 5 and 6 of PurposesLITransparency are always cleared on encode. The valid fixtures set LI
  only for purposes 2 and 7-11 (and sometimes 12-24), for the publisher as well.
* \`TCString.encode(model, {segments: ['core', 'vendorsDisclosed', 'publisherTC']})\` writes exactly the
  listed segments in that order. Without \`segments\`, a service-specific string gets all three, and a global
  one gets core plus Disclosed Vendors.
* Restrictions are written in the model's insertion order, which on decode is the string's order.
* The valid fixtures follow the v2.3 Disclosed Vendors rule: every string without a Disclosed Vendors
  segment has policy version 4, or has created and last_updated before 2026-03-01 (the TCF v2.3 deadline was
  28 February 2026: strings created from 1 March need the segment). Instants from 2026-03-01T00:00:00Z on
  appear only in \`tcf_invalid.json\` (\`disclosed_vendors_missing\`).
* Valid fixtures with \`is_service_specific\` false never set \`purpose_one_treatment\`.

## GPP strings: what \`@iabgpp/cmpapi\` writes

### String, header, padding

\`header~section~section…\`, with sections in the order of the header's ids. A section's segments
(sub-sections) are joined with \`.\`. The header is int(6) type 3, int(6) version 1, and a Fibonacci range
of the section ids, so every GPP string starts with \`DB\`. The JS decoder checks only the \`DB\` prefix. If the
string starts with \`C\` it decodes it as a bare TC string, and it accepts the empty string and \`DBAA\` as
"no sections".

Two base64url paddings. Neither writes \`=\`, and neither decoder checks padding bits or trailing characters:

* **compressed** (header, every US section, every tcfcav1 segment): pad with zero bits to a multiple of 8,
  then to a multiple of 6. The result is 6 × ceil(8·ceil(n/8) / 6) bits, so a 70-bit usnat core becomes 72
  bits (12 characters) and a 3-bit GPC sub-section becomes 12 bits (2 characters).
* **traditional** (every tcfeuv2 segment): pad to a multiple of 24 bits, as \`@iabtechlabtcf/core\` does.

### Encodings

* \`int(n)\`: unsigned big-endian. \`bool(1)\`: 1 is true. \`k × int(n)\`: k consecutive ints. \`bitfield(n)\`: n bits,
  and bit i-1 is id i. \`k × char(6)\`: letters A=0…Z=25, and 63 is a space, stripped on decode.
  \`datetime(36)\`: deciseconds since the epoch, \`Math.round(ms / 100)\`.
* **Fibonacci integer** (v ≥ 1): the Zeckendorf bits for 1, 2, 3, 5, 8, … in increasing order, then a
  terminating \`1\`. 1 is \`11\`, 2 is \`011\`, 3 is \`0011\`, 4 is \`1011\`, 7 is \`01011\`.
* **Fibonacci range**: int(12) entry count, then per entry int(1) IsRange (1 = range) and
  Fibonacci-coded deltas. For a single, \`id - offset\`. For a range, \`start - offset\` then \`end - start\`.
  \`offset\` starts at 0 and becomes the entry's last id. Ids are strictly ascending by construction
  (\`bad_fibonacci\` therefore tests malformed codes, not descending ids). The header uses this.
* **Fixed-int range**: int(12) entry count, then per entry int(1) IsRange, int(16) start, and int(16) end if
  IsRange is 1. Entries are maximal runs of consecutive ids.
* **Optimized range**: int(16) max id, then int(1) type. Type 1 is followed by a range (fixed-int or
  Fibonacci, per field). Type 0 is followed by bitfield(max). **Rule: use the range iff its bit length,
  including its 12-bit count, is ≤ max. A tie gives a range.** This is a true shortest-encoding comparison,
  unlike \`@iabtechlabtcf/core\`, so a TC string can be encoded differently by the two libraries. An empty
  list is max 0, type 0 (17 bits). Fixtures sit at margins -1, 0 and +1 for both kinds of range.

### Per-section layout (read from the installed library)

Fields are written in the order shown, with no gaps. "allowed on encode" is the library's validator: the
setter rejects other values, **the decoder checks nothing**. The tables are generated by instantiating each
section class and reading its segments' field objects.

${sectionTables(x, 'header', x.LAYOUT.header)}

${gppSections.map((s) => sectionTables(x, s.name, s)).join('\n\n')}

### Library behaviour the fixtures work around

* \`TcfEuV2.setFieldValue\` resets Created and LastUpdated to today's midnight UTC on every other field write,
  and setting Created or LastUpdated also sets the other to the same value. \`TcfCaV1.setFieldValue\` sets both
  to the current time on every other field write. \`generate.mjs\` sets both timestamps last, each on its own,
  so the fixtures are deterministic and can have \`created\` ≠ \`last_updated\`.
* A new US section has \`GpcSegmentIncluded\` = true: a CMP that never sets it writes the GPC sub-section.
* The valid US fixtures draw every 2-bit field uniformly from the validator's allowed values. They are valid
  per field, but not necessarily consistent under MSPA rules (for example, both MSPA modes may be 1).

## Invalid fixtures

Rules and how the strings were made. "js_accepts" means the library's decoder did not throw. For TC that is
\`TCString.decode(string)\`. For GPP it is \`new GppModel(string)\` followed by \`getHeader()\`,
\`getSection(name)\` for every decoded section (which forces the lazy decode of every field), and
\`getFieldValue\` of the sub-section flag.

### TC (\`tcf_invalid.json\`, ${x.tcInvalid.length} strings)

| rule | count | what it means here |
| --- | --- | --- |
| \`bad_base64\` | ${byRule(x.tcInvalid, 'bad_base64')} | a character outside \`[A-Za-z0-9_-]\` (\`+ / = ! space\`, non-ASCII) in a segment |
| \`wrong_version\` | ${byRule(x.tcInvalid, 'wrong_version')} | core Version field ≠ 2 (0, 1, 3, 4, 7, 63) |
| \`truncated\` | ${byRule(x.tcInvalid, 'truncated')} | a segment cut, on a character boundary, before the end of a field: core fields, a vendor bitfield, a range entry, NumEntries, publisher restrictions, Disclosed Vendors, Publisher TC |
| \`bad_segment_type\` | ${byRule(x.tcInvalid, 'bad_segment_type')} | an extra segment of type 0, 2, 4, 5, 6 or 7, a repeated Disclosed Vendors or Publisher TC segment, or the core segment not first |
| \`range_out_of_order\` | ${byRule(x.tcInvalid, 'range_out_of_order')} | range entries not strictly ascending (descending, overlapping, duplicate) or end < start, in vendor consents, vendor LI, publisher restrictions and Disclosed Vendors |
| \`vendor_beyond_max\` | ${byRule(x.tcInvalid, 'vendor_beyond_max')} | a range entry with an id > the vector's MaxVendorId, or with id 0 (including a publisher restriction for vendor 0) |
| \`nonzero_padding\` | ${byRule(x.tcInvalid, 'nonzero_padding')} | a 1 among the padding bits after a segment's last field |
| \`trailing_data\` | ${byRule(x.tcInvalid, 'trailing_data')} | a segment longer than 4 × ceil(needed bits / 24) characters, i.e. more than the encoder's padding; the extra characters are mostly \`A\` (zero bits) |
| \`disclosed_vendors_missing\` | ${byRule(x.tcInvalid, 'disclosed_vendors_missing')} | policy version ≥ 5, created (and last updated) from 2026-03-01T00:00:00Z on, no Disclosed Vendors segment; written by the library itself |
| \`legitimate_interest_not_allowed\` | ${byRule(x.tcInvalid, 'legitimate_interest_not_allowed')} | purpose 1, 3, 4, 5 or 6 set in PurposesLITransparency with policy version 4 or 5 |
| \`bad_language\` | ${byRule(x.tcInvalid, 'bad_language')} | a ConsentLanguage or PublisherCC letter value > 25 |
| \`empty\` | ${byRule(x.tcInvalid, 'empty')} | the empty string, or an empty segment (\`.\`, \`..\`, a leading, trailing or doubled \`.\`) |

Which ones \`@iabtechlabtcf/core\` ${x.TCF_LIB_VERSION} accepts:

${acceptanceTable(x.tcInvalid, x.TC_RULES, 'JS')}

Other leniencies seen in the source: the decoder overwrites the model when a segment type repeats; a
PublisherCC letter of 26-31 decodes to one of the characters \`[\`, \`\\\`, \`]\`, \`^\`, \`_\` or a backtick, and a letter of 32-57 to a lower-case letter,
which the setter then upper-cases (\`32\` → \`A\`). Values from 58 up fail its \`/^([A-z]){2}$/\` check. A
vendor-consent entry with end < start silently sets nothing, while the same in a publisher restriction
throws.

### GPP (\`gpp_invalid.json\`, ${x.gppInvalid.length} strings)

| rule | count | what it means here |
| --- | --- | --- |
| \`bad_base64\` | ${byRule(x.gppInvalid, 'bad_base64')} | a character outside \`[A-Za-z0-9_-]\` in the header or a section (\`+ / = ! space\`) |
| \`wrong_header_type\` | ${byRule(x.gppInvalid, 'wrong_header_type')} | header Type ≠ 3 (0, 1, 2, 4, 63) |
| \`wrong_version\` | ${byRule(x.gppInvalid, 'wrong_version')} | header Version ≠ 1 (0, 2, 3, 63) |
| \`section_count_mismatch\` | ${byRule(x.gppInvalid, 'section_count_mismatch')} | the header lists more or fewer ids than there are \`~\`-separated sections (an empty trailing section counts) |
| \`unknown_section\` | ${byRule(x.gppInvalid, 'unknown_section')} | the header lists an id that has no section definition (1, 3, 4, 28, 99) |
| \`truncated\` | ${byRule(x.gppInvalid, 'truncated')} | header or section shorter than its fields: \`DB\` alone, a cut header range, cut usnat, tcfeuv2 and usca cores, a 3-character uspv1, an empty GPC sub-section, the empty string |
| \`bad_fibonacci\` | ${byRule(x.gppInvalid, 'bad_fibonacci')} | header id range malformed: a code without its terminating \`11\`, fewer entries than the count, a range without an end code |
| \`bad_field_value\` | ${byRule(x.gppInvalid, 'bad_field_value')} | a value outside the field's allowed set: 2-bit fields = 3, MspaCoveredTransaction 0 or 3, usnat Version 0 or 3, usca Version 2, GPC sub-section type 2, uspv1 \`X\`, version \`2\` or lower case |
| \`nonzero_padding\` | ${byRule(x.gppInvalid, 'nonzero_padding')} | a 1 in the padding bits of the header, a core segment or a GPC sub-section |

Which ones \`@iabgpp/cmpapi\` ${x.GPP_LIB_VERSION} accepts:

${acceptanceTable(x.gppInvalid, x.GPP_RULES, 'JS')}

## Coverage of the valid fixtures

TC strings (\`tcf_valid.json\`):

${covTable(x.tcCov)}

GPP strings (\`gpp_valid.json\`), fixtures containing each section or feature:

${covTable(x.gppCov)}

${x.tcValid.length} TC strings, ${x.gppValid.length} GPP strings; the vendor-consent list has ~200 ids in most TC fixtures and
ids go up to 1250.
`;
}
