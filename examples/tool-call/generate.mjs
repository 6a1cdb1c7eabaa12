// Writes this example's source and golden file (320 product reviews and 26 golden rows) from a fixed seed:
// run once with `node examples/tool-call/generate.mjs`; the files it writes are committed, so a run never needs it.
// Every answer in golden.jsonl follows from the kind of text the generator chose for the row.
import { writeFileSync } from 'node:fs';
import { rng, csvOf, fill } from '../generate-kit.mjs';

const products = ['trail running shoes', 'espresso machine', 'wireless earbuds', 'yoga mat', 'cast iron pan', 'kids raincoat', 'air purifier', 'hiking backpack'];
const good = ['I have used it every day for a month and it still looks new.', 'Works exactly as described, no surprises.', 'Solid build, a bit heavier than I expected but that feels sturdy.', 'Arrived two days early and well packed.', 'The colour is slightly darker than the photos. Still happy with it.', 'Stopped working after three weeks; the replacement has been fine so far.', 'Smaller than I expected; check the measurements before ordering.', 'Good value for the price, though the instructions were confusing.', 'Does the job, but the finish scratched within a week.', 'Bought a second one as a gift for my brother.'];
// kind: [decision, reasons, sentences], each sentence added to one or two clean ones
const bad = [
  ['reject', ['spam'], ['Buy followers cheap at boost-your-shop.example, best prices guaranteed!!!', 'EARN 500 A DAY FROM HOME, details at quick-cash.example', 'Get 80% off every brand at mega-deals.example, use code WIN80.']],
  ['reject', ['competitor_link'], ['Honestly the same {product} is cheaper at shopmart.example, go there instead.', 'Found a better one on rivalstore.example for half the money.']],
  ['reject', ['profanity'], ['The seller is a total f***ing joke and so is this {product}.', 'What a piece of s**t, the worst purchase of my life.']],
  ['reject', ['off_topic'], ['Not about the product, but the local election next week is rigged and everyone should know it.', 'Does anyone know a good plumber near Leeds? My kitchen is flooded.']],
  ['needs_edit', ['personal_data'], ['If you have questions call me on 07700 900{n}, I am happy to help.', 'Email me at {mail}@mailbox.example and I will send photos.', 'I live at 12 Station Road, flat {n}, so it came from the depot nearby.']],
  ['reject', ['spam', 'competitor_link'], ['Cheaper at rivalstore.example!!! Click now for free shipping and a gift card!!!']],
];
const names = ['sam', 'rita', 'jo', 'amir', 'lena', 'marco'];
function review(r) {
  const product = r.pick(products);
  const slots = { product, n: String(100 + r.int(800)), mail: `${r.pick(names)}${10 + r.int(89)}` };
  const clean = [...good].sort(() => r.next() - 0.5).slice(0, 1 + r.int(2));
  let decision = 'publish', reasons = ['none'], rating = 2 + r.int(4);
  const text = [...clean];
  if (r.next() < 0.45) {
    const [d, rs, sentences] = r.pick(bad);
    decision = d; reasons = rs;
    text.splice(r.int(text.length + 1), 0, fill(r.pick(sentences), slots));
    if (rs.includes('profanity')) rating = 1;
  }
  return { product, rating, review_text: text.join(' '), expected: { decision, reasons } };
}
const r = rng(15003);
const seen = new Set();
const make = (n) => { const out = []; while (out.length < n) { const x = review(r); const k = x.product + x.review_text; if (seen.has(k)) continue; seen.add(k); out.push(x); } return out; };
const dir = import.meta.dirname;
writeFileSync(`${dir}/product-reviews.csv`, csvOf(make(320).map((x, i) => ({ review_id: `R-${50001 + i}`, product: x.product, rating: x.rating, review_text: x.review_text }))));
writeFileSync(`${dir}/golden.jsonl`, make(26).map((x, i) => JSON.stringify({ review_id: `gold-${String(i + 1).padStart(3, '0')}`, product: x.product, rating: x.rating, review_text: x.review_text, expected: x.expected })).join('\n') + '\n');
