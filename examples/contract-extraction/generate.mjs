// Writes this example's source and golden file (250 contracts and 24 golden rows) from a fixed seed:
// run once with `node examples/contract-extraction/generate.mjs`; the files it writes are committed, so a run never needs it.
// Every answer in golden.jsonl follows from the kind of text the generator chose for the row.
import { writeFileSync } from 'node:fs';
import { rng } from '../generate-kit.mjs';

const companies = ['Northwind Logistics Ltd', 'Brightpath Analytics GmbH', 'Acme Tools Inc', 'Harbor & Finch LLP', 'Bluestone Foods SA', 'Kestrel Software BV', 'Meridian Health Group', 'Oakridge Property Trust', 'Solace Energy AB', 'Vantage Print Co', 'Copperleaf Retail plc', 'Tidewater Marine Oy', 'Lumen Labs SAS', 'Greyfield Farms Ltd', 'Quartz Media Sp. z o.o.', 'Redwood Clinics Inc'];
const laws = ['England and Wales', 'the State of New York', 'Germany', 'the Netherlands', 'Sweden', 'Delaware'];
const kinds = {
  services: { titles: ['Master Services Agreement', 'Consulting Services Agreement', 'IT Support Services Agreement'], roles: ['provider', 'client'], labels: ['Provider', 'Client'],
    duties: [[0, 'deliver monthly analytics reports by the fifth business day'], [0, 'keep the support desk staffed from 8:00 to 18:00 on working days'], [1, 'pay each invoice within 30 days of receipt'], [1, 'give the Provider access to the systems the work needs'], [0, 'fix priority-one incidents within four hours']] },
  supply: { titles: ['Supply Agreement', 'Framework Purchase Agreement', 'Wholesale Supply Contract'], roles: ['seller', 'buyer'], labels: ['Supplier', 'Buyer'],
    duties: [[0, 'deliver the ordered goods within ten working days of each purchase order'], [0, 'replace defective goods at its own cost'], [1, 'order at least 500 units each quarter'], [1, 'pay within 45 days of delivery'], [0, 'keep a safety stock of two weeks of forecast demand']] },
  nda: { titles: ['Mutual Non-Disclosure Agreement', 'Confidentiality Agreement', 'Non-Disclosure Agreement'], roles: ['discloser', 'recipient'], labels: ['Discloser', 'Recipient'],
    duties: [[1, 'keep the Confidential Information secret and use it only to evaluate the deal'], [1, 'return or destroy all copies on request'], [0, 'mark confidential documents as such when shared'], [1, 'limit access to employees who need to know']] },
  lease: { titles: ['Commercial Lease', 'Office Lease Agreement', 'Warehouse Lease'], roles: ['landlord', 'tenant'], labels: ['Landlord', 'Tenant'],
    duties: [[1, 'pay the monthly rent in advance on the first day of each month'], [0, 'keep the roof and the structure in repair'], [1, 'insure the contents of the premises'], [0, 'provide heating in the common areas'], [1, 'not sublet without written consent']] },
  license: { titles: ['Software License Agreement', 'Trademark License', 'Content License Agreement'], roles: ['licensor', 'licensee'], labels: ['Licensor', 'Licensee'],
    duties: [[0, 'provide updates and security patches for the licensed software'], [1, 'pay a royalty of 6 percent of net sales each quarter'], [1, 'use the licensed marks only as the brand guide allows'], [0, 'defend the Licensee against infringement claims'], [1, 'report usage figures each month']] },
};
const notesList = ['Signed copy filed in the legal drive.', 'Reviewed by legal in the last renewal cycle; no open points.', 'Finance asked for the payment terms to be checked against the ERP.', 'Counterparty requested a redline of clause 4; not yet agreed.', 'Scanned from paper; page 3 partly illegible but the terms above were confirmed by email.', 'Owner: procurement. Renewal reminder set 90 days before termination.', 'Imported from the old contract system, metadata checked by hand.'];
const pad = (n) => String(n).padStart(2, '0');
function contract(r) {
  const type = r.pick(Object.keys(kinds));
  const k = kinds[type];
  let a = r.pick(companies), b = r.pick(companies);
  while (b === a) b = r.pick(companies);
  const y = 2023 + r.int(4), m = 1 + r.int(12);
  const effective = `${y}-${pad(m)}-01`;
  const years = 1 + r.int(3);
  const hasEnd = r.next() < 0.7;
  const endM = m === 1 ? 12 : m - 1;
  const endY = y + years - (m === 1 ? 1 : 0);
  const lastDay = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][endM - 1];
  const termination = `${endY}-${pad(endM)}-${pad(lastDay)}`;
  const chosen = [...k.duties].sort(() => r.next() - 0.5).slice(0, 2 + r.int(2));
  const names = [a, b];
  const law = r.pick(laws);
  const title = `${r.pick(k.titles)} between ${a} and ${b}`;
  const clauses = [
    `1. Parties. This agreement is made between ${a} (the "${k.labels[0]}") and ${b} (the "${k.labels[1]}").`,
    hasEnd ? `2. Term. It takes effect on ${effective} and ends on ${termination}, unless renewed in writing.` : `2. Term. It takes effect on ${effective} and continues until either party ends it on 90 days' written notice.`,
    `3. Obligations. ${chosen.map(([who, what]) => `The ${k.labels[who]} shall ${what}.`).join(' ')}`,
    `4. Governing law. This agreement is governed by the laws of ${law}.`,
  ].join('\n');
  const notes = r.pick(notesList);
  const expected = {
    contract_type: type,
    parties: [{ name: a, role: k.roles[0] }, { name: b, role: k.roles[1] }],
    dates: hasEnd ? { effective, termination } : { effective },
  };
  return { title, clauses, notes, expected, key: title + effective };
}
const r = rng(15002);
const seen = new Set();
const make = (n) => { const out = []; while (out.length < n) { const c = contract(r); if (seen.has(c.key)) continue; seen.add(c.key); out.push(c); } return out; };
const dir = import.meta.dirname;
writeFileSync(`${dir}/contracts.jsonl`, make(250).map((c, i) => JSON.stringify({ contract_id: `CTR-${2001 + i}`, title: c.title, clauses: c.clauses, notes: c.notes })).join('\n') + '\n');
writeFileSync(`${dir}/golden.jsonl`, make(24).map((c, i) => JSON.stringify({ contract_id: `gold-${String(i + 1).padStart(3, '0')}`, title: c.title, clauses: c.clauses, notes: c.notes, expected: c.expected })).join('\n') + '\n');
