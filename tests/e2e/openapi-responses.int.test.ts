import { allServices } from '@ar/all-in-one';
import { ContactPreferencesView, ScreeningView, WorklistView } from '@ar/contracts';
import { EvidencePartView, type RunningService } from '@ar/platform';
import { authHeaders } from '../support/auth';
import { inProcessPlatform } from '../support/platform';

type Schema = Record<string, unknown>;
type Response = { description?: string; content?: Record<string, { schema?: Schema }> };
type OpenApi = { paths: Record<string, Record<string, { responses?: Record<string, Response> }>> };

/** A schema that says nothing about the body: absent, `{}`, or only a description. */
function describesNothing(schema: Schema | undefined): boolean {
  if (!schema) return true;
  const { description: _d, title: _t, $schema: _s, ...said } = schema;
  return Object.keys(said).length === 0;
}

/**
 * Issue #15 item 8, "the OpenAPI tells the truth": every success of every operation of every
 * service, enumerated from its own OpenAPI document (so a new route declaring no response fails
 * here), names its media type (no `*\/*`) and describes its body with a schema. A binary answer
 * (a PDF, a ZIP) is a string in binary format under its own media type.
 */
describe('OpenAPI: every success of every route describes its body and media type', () => {
  const platform = inProcessPlatform('oapiresp', '2026-03-02');
  const services: RunningService[] = [];

  beforeAll(async () => {
    for (const def of allServices) services.push(await platform.start(def));
  });
  afterAll(() => platform.stop());

  async function openApiOf(service: RunningService): Promise<OpenApi> {
    const docs = await service.app.inject({ method: 'GET', url: '/docs/json', headers: await authHeaders() });
    expect(docs.statusCode).toBe(200);
    return docs.json() as OpenApi;
  }

  it('no 2xx without a schema or with any media type', async () => {
    const undescribed: string[] = [];
    let successes = 0;
    for (const service of services)
      for (const [path, operations] of Object.entries((await openApiOf(service)).paths))
        for (const [method, operation] of Object.entries(operations))
          for (const [status, response] of Object.entries(operation.responses ?? {})) {
            if (!status.startsWith('2')) continue;
            successes++;
            const name = `${service.name} ${method.toUpperCase()} ${path} ${status}`;
            // 204: nothing to describe.
            if (status === '204' && !response.content) continue;
            const media = Object.entries(response.content ?? {});
            if (media.length === 0) undescribed.push(`${name}: no content`);
            for (const [type, { schema }] of media) {
              if (type.includes('*')) undescribed.push(`${name}: media type ${type}`);
              if (describesNothing(schema)) undescribed.push(`${name} ${type}: body not described`);
            }
          }
    expect(undescribed).toEqual([]);
    expect(successes).toBeGreaterThan(50);
  });

  it('the letter PDF and the evidence bundles are declared as binary files of their media type', async () => {
    const binaries: Record<string, string> = {};
    for (const service of services)
      for (const [path, operations] of Object.entries((await openApiOf(service)).paths))
        for (const [method, operation] of Object.entries(operations))
          for (const [status, response] of Object.entries(operation.responses ?? {}))
            for (const [type, { schema }] of Object.entries(response.content ?? {}))
              if (status.startsWith('2') && schema?.format === 'binary')
                binaries[`${service.name} ${method.toUpperCase()} ${path}`] = type;
    expect(binaries).toMatchObject({
      'collections GET /messages/{messageId}/document': 'application/pdf',
    });
    const zips = Object.entries(binaries).filter(([, type]) => type === 'application/zip');
    expect(zips.length).toBeGreaterThan(0);
  });

  it('the bodies answered are what the schemas say, no field dropped by the serializer', async () => {
    const service = (name: string) => services.find((s) => s.name === name)!;
    const collections = service('collections');
    await collections.started();
    const call = async (
      target: RunningService,
      method: 'GET' | 'POST' | 'PUT',
      url: string,
      roles: Parameters<typeof authHeaders>[0],
      payload?: object,
    ) => {
      const res = await target.app.inject({
        method,
        url,
        headers: await authHeaders(roles, 'a-collector'),
        ...(payload && { payload }),
      });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
      return res.json();
    };

    // Contact preferences: a customer collections knows (credit-scoring registers them).
    const customerId = `${platform.run}-C1`;
    await collections.ctx.pool.query('insert into customers (customer_id, name) values ($1, $2)', [
      customerId,
      'Acme',
    ]);
    const contacts = [{ name: 'Li Wei', email: 'li@acme.example', role: 'accounts payable' }];
    await call(collections, 'PUT', `/customers/${customerId}/contact-preferences`, ['collector'], {
      contacts,
      channel: 'EMAIL',
      language: 'en',
      quietDays: ['SUNDAY', '2026-05-01'],
    });
    const afterOptOut = await call(
      collections,
      'POST',
      `/customers/${customerId}/contact-opt-outs`,
      ['collector'],
      {
        channel: 'SMS',
        reason: 'asked on the phone',
      },
    );
    const preferences = await call(collections, 'GET', `/customers/${customerId}/contact-preferences`, [
      'bi',
    ]);
    expect(preferences).toEqual(afterOptOut);
    expect(ContactPreferencesView.parse(preferences)).toEqual(preferences);
    expect(preferences).toEqual({
      customerId,
      contacts,
      channel: 'EMAIL',
      language: 'en',
      quietDays: ['SUNDAY', '2026-05-01'],
      optedOut: [{ channel: 'SMS', date: expect.any(String), recordedBy: 'a-collector' }],
      version: 2,
    });

    // Screening: each outcome with its fields.
    const screen = (text: string, at: string) =>
      call(collections, 'POST', '/compliance/screen', ['collector'], { text, at });
    const screened = [
      await screen('A friendly reminder', '2026-03-10T10:00:00+08:00'),
      await screen('You will regret this', '2026-03-10T10:00:00+08:00'),
      await screen('A friendly reminder', '2026-03-10T22:30:00+08:00'),
    ];
    for (const body of screened) expect(ScreeningView.parse(body)).toEqual(body);
    expect(screened).toEqual([
      { outcome: 'SEND' },
      { outcome: 'BLOCKED', rule: 'prohibited-wording:threat', matched: 'you will regret' },
      {
        outcome: 'DEFERRED',
        rule: 'contact-hours',
        matched: expect.stringContaining('22:30'),
        until: '2026-03-11',
      },
    ]);

    const worklist = await call(collections, 'GET', '/worklist', ['collector']);
    expect(WorklistView.parse(worklist)).toEqual(worklist);
    expect(Object.keys(worklist).sort()).toEqual(['asOf', 'cases', 'undelivered']);

    // An evidence part of each service that has one (nothing recorded for this id: empty lists).
    for (const name of ['contract', 'invoicing', 'collections']) {
      const part = await call(service(name), 'GET', `/evidence/parts/invoices/${platform.run}-none`, [
        'legal',
      ]);
      expect(EvidencePartView.parse(part)).toEqual(part);
      expect(part).toMatchObject({ service: name, records: [], documents: [] });
    }
  });
});
