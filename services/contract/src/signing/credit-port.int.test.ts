import { DependencyUnavailable } from '@ar/kernel';
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
