import type { BusMessage } from './message-bus';
import { produceParts } from './produce-parts';

const message = (n: number, bytes: number): BusMessage => ({
  key: `k${n}`,
  value: 'x'.repeat(bytes),
  headers: {},
});

describe('a send cut into produce requests under the broker limit', () => {
  it('keeps the order, each part under the budget, a message above it alone', () => {
    const messages = [message(1, 400), message(2, 400), message(3, 2_000), message(4, 100), message(5, 100)];
    const parts = produceParts(messages, 1_000);
    expect(parts.map((p) => p.map((m) => m.key))).toEqual([['k1', 'k2'], ['k3'], ['k4', 'k5']]);
    expect(parts.flat()).toEqual(messages);
  });

  it('counts keys and headers, and multi-byte characters as their bytes', () => {
    const wide: BusMessage = {
      key: 'k',
      value: '应收账款'.repeat(50),
      headers: { traceparent: 't'.repeat(55) },
    };
    // 600 bytes of value (3 a character) + 1 + 66: two do not fit in 1,000.
    expect(produceParts([wide, wide], 1_000)).toHaveLength(2);
    expect(produceParts([wide, wide], 1_400)).toHaveLength(1);
  });

  it('sends nothing for nothing', () => {
    expect(produceParts([])).toEqual([]);
  });
});
