import type { AddressInfo } from 'node:net';
import { CompanySigner, type RunningService } from '@ar/platform';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { SmtpChannel } from '../../src/delivery/channels';
import type { DeliverySettings } from '../../src/delivery/config';
import { DEFAULT_LETTER_FONT } from '../../src/letters/render';
import { onCreditEvent } from '../../src/reactions/on-invoicing-event';

/** How the test server answers a recipient: take it, or refuse with an SMTP code (4xx: later; 5xx: never). */
export type RecipientAnswer = 'accept' | { code: number; text: string };

/**
 * A real SMTP server on 127.0.0.1 (smtp-server) for the delivery tests: it keeps every message it
 * takes, parsed, and answers each recipient as the test says (a refusal, a hold, an outage).
 */
export class TestMailServer {
  readonly received: { to: string[]; mail: ParsedMail }[] = [];
  private readonly server: SMTPServer;
  private port = 0;

  constructor(
    options: {
      answer?: (address: string) => RecipientAnswer | Promise<RecipientAnswer>;
      /** How long the server takes to answer a message it took (a slow server). */
      answerAfterMs?: number;
    } = {},
  ) {
    const answer = options.answer ?? (() => 'accept' as const);
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        Promise.resolve(answer(address.address)).then((said) => {
          if (said === 'accept') return callback();
          const error = new Error(said.text) as Error & { responseCode: number };
          error.responseCode = said.code;
          callback(error);
        }, callback);
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.received.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
            setTimeout(callback, options.answerAfterMs ?? 0);
          })
          .catch(callback);
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The addresses every message taken went to, in the order taken. */
  recipients(): string[] {
    return this.received.flatMap((m) => m.to);
  }

  /**
   * Collections' delivery settings sending to this server: quick retries and polling for tests,
   * the company's name and font as in production, a fresh signing key unless one is given.
   */
  deliverySettings(overrides: Partial<DeliverySettings> = {}): DeliverySettings {
    return {
      email: new SmtpChannel({ host: '127.0.0.1', port: this.port, from: 'Receivables <ar@acme.example>' }),
      retryBaseMs: 100,
      retryMaxDelayMs: 3_600_000,
      maxAttempts: 5,
      pollMs: 50,
      company: 'Acme Manufacturing Ltd',
      font: DEFAULT_LETTER_FONT,
      signer: CompanySigner.generate(),
      ...overrides,
    };
  }
}

/**
 * The customers as credit-scoring registered them (`CustomerRegistered`): contacts are kept for
 * known customers only. Ids alone are named `Customer <id>`.
 */
export async function registerCustomers(
  service: Pick<RunningService, 'ctx'>,
  customers: string[] | Record<string, string>,
): Promise<void> {
  const named = Array.isArray(customers)
    ? customers.map((id) => [id, `Customer ${id}`] as const)
    : Object.entries(customers);
  const client = await service.ctx.pool.connect();
  try {
    for (const [customerId, name] of named)
      await onCreditEvent(client, { type: 'CustomerRegistered', data: { customerId, name } } as never);
  } finally {
    client.release();
  }
}
