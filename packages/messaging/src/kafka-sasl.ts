import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** How a service logs in to a broker that asks (SASL); the mechanisms both clients speak. */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

export interface KafkaSasl {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

/**
 * `KAFKA_SASL_MECHANISM` (scram-sha-512, scram-sha-256, plain), `KAFKA_SASL_USERNAME` and the
 * password in `KAFKA_SASL_PASSWORD_FILE` (or `KAFKA_SASL_PASSWORD`), for `loadConfig` (spread into
 * `createKafkaBus`'s options). Unset: no SASL (a plaintext broker). Nothing logs the bus's options,
 * so the password stays out of the logs; prefer the file (an environment is easier to leak).
 */
export const KafkaSaslEnv = z
  .object({
    KAFKA_SASL_MECHANISM: z.enum(KAFKA_SASL_MECHANISMS).optional(),
    KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
  })
  .superRefine((env, ctx) => {
    const any =
      env.KAFKA_SASL_MECHANISM ??
      env.KAFKA_SASL_USERNAME ??
      env.KAFKA_SASL_PASSWORD ??
      env.KAFKA_SASL_PASSWORD_FILE;
    if (!any) return;
    if (!env.KAFKA_SASL_MECHANISM)
      ctx.addIssue({ code: 'custom', path: ['KAFKA_SASL_MECHANISM'], message: 'required with KAFKA_SASL_*' });
    if (!env.KAFKA_SASL_USERNAME)
      ctx.addIssue({ code: 'custom', path: ['KAFKA_SASL_USERNAME'], message: 'required with KAFKA_SASL_*' });
    if (!env.KAFKA_SASL_PASSWORD === !env.KAFKA_SASL_PASSWORD_FILE)
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SASL_PASSWORD_FILE'],
        message: 'give the password in exactly one of KAFKA_SASL_PASSWORD_FILE and KAFKA_SASL_PASSWORD',
      });
    if (env.KAFKA_SASL_PASSWORD_FILE) {
      try {
        readFileSync(env.KAFKA_SASL_PASSWORD_FILE, 'utf8');
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['KAFKA_SASL_PASSWORD_FILE'],
          message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        });
      }
    }
  })
  .transform((env): { sasl?: KafkaSasl } => {
    if (!env.KAFKA_SASL_MECHANISM || !env.KAFKA_SASL_USERNAME) return {};
    const password =
      env.KAFKA_SASL_PASSWORD ?? readFileSync(env.KAFKA_SASL_PASSWORD_FILE!, 'utf8').replace(/\r?\n$/, '');
    return { sasl: { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password } };
  });
