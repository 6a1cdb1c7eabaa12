/** A classification request of the demo task, as a batch request. */
export function reviewRequest(
  customId: string,
  text: string,
  overrides: { model?: string; max_tokens?: number; [key: string]: unknown } = {},
) {
  return {
    custom_id: customId,
    params: {
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [
        {
          role: 'user' as const,
          content:
            'Classify the sentiment of the customer review. labels: positive, negative, neutral. ' +
            `Answer with JSON {"label", "score", "evidence"}.\n<review>${text}</review>`,
        },
      ],
      ...overrides,
    },
  };
}

const TEXTS = [
  'I love it, works perfectly and shipping was fast.',
  'Arrived broken and support ignored me. I want a refund.',
  'It is a phone case. It is blue.',
  'Terrible quality, stopped working after a week.',
  'Excellent value, great battery, would buy again.',
];

/** `count` review requests with ids `r-0`, `r-1`, … */
export function reviewRequests(count: number, overrides: Parameters<typeof reviewRequest>[2] = {}) {
  return Array.from({ length: count }, (_, i) =>
    reviewRequest(`r-${i}`, TEXTS[i % TEXTS.length]!, overrides),
  );
}
