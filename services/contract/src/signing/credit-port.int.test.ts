import { DependencyUnavailable, RuleViolation, StateConflict } from '@ar/kernel';
import { httpCreditPort } from './credit-port';

/** #15 item 7, found by fuzzing: a 503 named the internal URL of credit-scoring to any caller. */
describe('credit-scoring unavailable at signing', () => {
  it('says what is unavailable without its internal address, and keeps the address for the log', async () => {
    // Nothing listens on the discard port: the connection is refused at once.
    const port = httpCreditPort('http://127.0.0.1:9', async () => undefined);
    const error = await port.tierOf('C-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailable);
    const { code, message, detail } = error as DependencyUnavailable & { detail?: string };
    expect(code).toBe('CREDIT_SCORING_UNAVAILABLE');
    expect(message).toBe('credit-scoring did not answer the credit check; try again shortly');
    expect(message).not.toMatch(/127\.0\.0\.1|http:/);
    expect(detail).toMatch(/^GET http:\/\/127\.0\.0\.1:9\/customers\/C-1\/credit: /);
  });
});

/** Found by the Schemathesis run (#15): a refusal of credit-scoring's was answered as its outage. */
describe("credit-scoring's refusals at signing", () => {
  it("passes a 409 or 422 of credit-scoring on as that refusal (409 / 422), never a 503 'try again'", async () => {
    const { createServer } = await import('node:http');
    const answers: Record<string, [number, object]> = {
      '/customers/C-1/credit-reservations': [
        409,
        { error: 'RESERVATION_CONFLICT', message: 'reservation K-1 is already held for 100 CNY' },
      ],
      '/customers/C-2/credit-reservations': [
        422,
        { error: 'CURRENCY_NOT_COVERED', message: 'no rate for XTS' },
      ],
    };
    const server = createServer((request, response) => {
      const [status, body] = answers[request.url ?? ''] ?? [500, {}];
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port: listening } = server.address() as { port: number };
    const port = httpCreditPort(`http://127.0.0.1:${listening}`, async () => undefined);
    const reserve = (customerId: string) =>
      port
        .reserve({ customerId, contractId: 'K-1', amount: 200, currency: 'CNY', prepayment: false })
        .catch((e: unknown) => e);
    try {
      const conflict = await reserve('C-1');
      expect(conflict).toBeInstanceOf(StateConflict);
      expect(conflict).toMatchObject({
        code: 'RESERVATION_CONFLICT',
        message: 'credit-scoring refused: reservation K-1 is already held for 100 CNY',
      });
      const refused = await reserve('C-2');
      expect(refused).toBeInstanceOf(RuleViolation);
      expect(refused).toMatchObject({
        code: 'CURRENCY_NOT_COVERED',
        message: 'credit-scoring refused: no rate for XTS',
      });
      // Its failure (500) is still the dependency's: 503.
      expect(await reserve('C-3')).toBeInstanceOf(DependencyUnavailable);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
