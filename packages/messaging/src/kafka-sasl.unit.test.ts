import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaSaslEnv } from './kafka-sasl';

const issues = (env: Record<string, string>) => {
  const result = KafkaSaslEnv.safeParse(env);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('KAFKA_SASL_*: the login a service gives a broker with ACLs', () => {
  it('given nothing, logs in without SASL', () => {
    expect(KafkaSaslEnv.parse({})).toEqual({});
  });

  it('given a password file, reads it (without its last newline)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sasl-')), 'invoicing.password');
    writeFileSync(file, 's3cret\n');
    expect(
      KafkaSaslEnv.parse({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'invoicing',
        KAFKA_SASL_PASSWORD_FILE: file,
      }),
    ).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'invoicing', password: 's3cret' } });
  });

  it('refuses half a login, naming what is missing, and a password file it cannot read', () => {
    expect(issues({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual([
      'KAFKA_SASL_USERNAME: required with KAFKA_SASL_*',
      'KAFKA_SASL_PASSWORD_FILE: give the password in exactly one of KAFKA_SASL_PASSWORD_FILE and KAFKA_SASL_PASSWORD',
    ]);
    expect(issues({ KAFKA_SASL_USERNAME: 'invoicing', KAFKA_SASL_PASSWORD: 'x' })).toEqual([
      'KAFKA_SASL_MECHANISM: required with KAFKA_SASL_*',
    ]);
    expect(
      issues({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'invoicing',
        KAFKA_SASL_PASSWORD_FILE: '/nonexistent/invoicing.password',
      }),
    ).toEqual(['KAFKA_SASL_PASSWORD_FILE: cannot be read: ENOENT']);
    expect(
      issues({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'x', KAFKA_SASL_PASSWORD: 'y' })[0],
    ).toMatch(/^KAFKA_SASL_MECHANISM: /);
  });
});
