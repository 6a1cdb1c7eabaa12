// Writes this example's source and golden file (300 support tickets and 25 golden rows) from a fixed seed:
// run once with `node examples/support-tickets/generate.mjs`; the files it writes are committed, so a run never needs it.
// Every answer in golden.jsonl follows from the kind of text the generator chose for the row.
import { writeFileSync } from 'node:fs';
import { rng, csvOf, fill } from '../generate-kit.mjs';

// queue, severity (1 urgent .. 4 low), subjects, bodies
const S = [
  ['billing', 2, ['Charged twice for order {order}', 'Double charge on my card'], ['I was charged twice for order {order}, {amount} each time, on {date}. Please refund the duplicate payment.', 'My bank statement shows two payments of {amount} for the same order ({order}). Only one parcel was ordered.']],
  ['billing', 3, ['Question about invoice {invoice}', 'VAT missing on invoice'], ['Invoice {invoice} does not show our VAT number. Could you reissue it with the company details we gave at checkout?', 'The invoice {invoice} lists {amount} but the quote said less. Can someone explain the difference?']],
  ['billing', 4, ['Can I pay by bank transfer?', 'Payment options for next order'], ['Before our next order: do you accept bank transfer, or only cards? Just asking, nothing urgent.', 'Is it possible to get a monthly invoice instead of paying each order by card? No rush on this one.']],
  ['billing', 3, ['Refund not received', 'Where is my refund?'], ['You confirmed a refund of {amount} for order {order} on {date}, but nothing has arrived on my card yet.', 'The return for order {order} was accepted two weeks ago and the refund of {amount} is still missing.']],
  ['technical', 1, ['Dashboard down for the whole team', 'Site returns error 500'], ['Since {time} nobody on our team can open the dashboard: every page shows error 500. Our warehouse is stopped.', 'The app has been down for us since {time} today. We cannot print any shipping labels and orders are piling up.']],
  ['technical', 2, ['Sync with {app} broken', 'API keys stopped working'], ['Our {app} integration stopped syncing stock levels yesterday. New orders are not appearing and we oversold two items.', 'The API key created last week now gets "401 unauthorized" on every call. Nothing changed on our side.']],
  ['technical', 3, ['Export to CSV has wrong dates', 'Report numbers look off'], ['When I export the orders report to CSV the dates come out in US format and the totals column is empty.', 'The weekly sales report shows {n} orders but the order list shows more. Which one is right?']],
  ['technical', 4, ['Feature idea: dark mode', 'Suggestion for the mobile app'], ['Small suggestion: a dark mode for the dashboard would be lovely for late shifts. Thanks for a great tool.', 'It would help if the mobile app remembered the last filter I used. Not a bug, just an idea.']],
  ['account', 1, ['Someone else logged into my account', 'Suspicious login'], ['I got an email about a login from another country at {time} and I did not do it. My password has been changed. Please lock the account now.', 'There are orders in my history that I never placed, from an address I do not know. I think my account was taken over.']],
  ['account', 2, ['Cannot log in after password reset', 'Locked out of account'], ['I reset my password as asked but the login page still says my details are wrong. I need to place an order today.', 'My account is locked after three attempts and the unlock email never arrives. Tried two browsers.']],
  ['account', 3, ['Change the email on my account', 'Add a colleague to our account'], ['Please change the email on my account from my old work address to {email}. I can confirm by phone.', 'How do I add a second user for my colleague {name}? She should see orders but not billing.']],
  ['account', 4, ['Close my account', 'Update company name'], ['We have merged with another firm. Please update our company name on the account when you have a moment.', 'I would like to close my account at the end of the month. No urgency, just let me know the steps.']],
  ['shipping', 2, ['Parcel lost, order {order}', 'Tracking has not moved in 10 days'], ['Tracking for order {order} has said "in transit" since {date}. The customer is asking every day where the parcel is.', 'The courier marked order {order} as delivered but nothing arrived, and the neighbours have nothing either.']],
  ['shipping', 2, ['Item arrived broken', 'Damaged delivery'], ['Order {order} arrived today with the {product} cracked in two. The box was crushed on one corner. Photos attached.', 'The {product} from order {order} was broken when I opened the box. I need a replacement before the weekend.']],
  ['shipping', 3, ['Change delivery address', 'Deliver to my office instead'], ['Can you still change the delivery address for order {order}? I will be at my office on {date}.', 'I typed the wrong house number for order {order}. It should be 14, not 41. It has not shipped yet.']],
  ['shipping', 4, ['Do you ship to Norway?', 'Shipping times to Canada'], ['Do you ship to Norway, and roughly how long does it take? Thinking about ordering a {product}.', 'What are the usual delivery times to Canada? Planning a gift for next month.']],
  ['other', 4, ['Thank you!', 'Great service'], ['Just wanted to say thanks to {name} who helped me last week. Everything works now.', 'No problem to report, only praise: the {product} is excellent and it arrived early.']],
  ['other', 3, ['Partnership enquiry', 'Press question'], ['I write for a small design blog and would like to feature your {product}. Who should I talk to?', 'We run a chain of four cafes and are interested in a wholesale partnership. Who is the right contact?']],
  ['other', 4, ['Job application', 'Opening hours of the showroom'], ['Is the showroom open on Saturdays? I would like to see the {product} before buying.', 'I saw a job post for a warehouse role. Is it still open, and where do I send my CV?']],
];
const openers = ['Hello,', 'Hi team,', 'Good morning,', 'Hi,', '', 'Dear support,'];
const closers = ['Thanks.', 'Best regards, {name}', 'Kind regards', 'Cheers, {name}', '', 'Thank you in advance.'];
const names = ['Ana', 'Tomasz', 'Priya', 'Jonas', 'Mei', 'Carlos', 'Fatima', 'Liam', 'Sofia', 'Kenji', 'Olu', 'Greta'];
const products = ['desk lamp', 'office chair', 'label printer', 'coffee grinder', 'standing desk', 'headset', 'monitor arm'];
const apps = ['Shopify', 'WooCommerce', 'Xero', 'QuickBooks'];
const tiers = ['free', 'pro', 'enterprise'];

function ticket(r) {
  const [queue, severity, subjects, bodies] = r.pick(S);
  const tier = r.pick(tiers);
  const slots = {
    order: `#${100000 + r.int(900000)}`, invoice: `INV-${2025 + r.int(2)}-${String(r.int(9999)).padStart(4, '0')}`,
    amount: `${r.pick(['€', '$', '£'])}${(10 + r.int(490)).toFixed(0)}.${String(r.int(100)).padStart(2, '0')}`,
    date: `${1 + r.int(28)} ${r.pick(['March', 'April', 'May', 'June'])}`, time: `${7 + r.int(12)}:${r.pick(['05', '20', '40', '55'])}`,
    email: `${r.pick(names).toLowerCase()}@${r.pick(['acme-tools', 'northwind', 'brightpath'])}.example`,
    name: r.pick(names), product: r.pick(products), app: r.pick(apps), n: 20 + r.int(200),
  };
  const which = r.int(bodies.length);
  const subject = fill(subjects[which], slots);
  const body = [r.pick(openers), fill(bodies[which], slots), fill(r.pick(closers), slots)].filter(Boolean).join(' ');
  // Enterprise customers are one level more urgent, never past 1.
  const priority = tier === 'enterprise' ? Math.max(1, severity - 1) : severity;
  return { subject, body, customer_tier: tier, queue, priority };
}
const r = rng(15001);
const seen = new Set();
const make = (n) => { const out = []; while (out.length < n) { const t = ticket(r); const k = t.subject + t.body; if (seen.has(k)) continue; seen.add(k); out.push(t); } return out; };
const src = make(300).map((t, i) => ({ ticket_id: `TCK-${10001 + i}`, subject: t.subject, body: t.body, customer_tier: t.customer_tier }));
const gold = make(25).map((t, i) => JSON.stringify({ ticket_id: `gold-${String(i + 1).padStart(3, '0')}`, subject: t.subject, body: t.body, customer_tier: t.customer_tier, expected: { queue: t.queue, priority: t.priority } }));
const dir = import.meta.dirname;
writeFileSync(`${dir}/tickets.csv`, csvOf(src));
writeFileSync(`${dir}/golden.jsonl`, gold.join('\n') + '\n');
