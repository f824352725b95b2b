import { CompanySigner } from '@ar/platform';
import { z } from 'zod';
import { type LetterFont, letterFontFromEnv } from '../letters/render';
import { type DeliveryChannel, recordingChannel, SmtpChannel } from './channels';

const Env = z.object({
  SMTP_URL: z.string().url().optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SMTP_SECURE: z.enum(['true', 'false']).optional(),
  SMTP_USER: z.string().optional(),
  SMTP_PASS: z.string().optional(),
  SMTP_FROM: z.string().min(3).default('Receivables <receivables@localhost>'),
  SMTP_MESSAGE_ID_DOMAIN: z
    .string()
    .regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/, 'a domain name such as mail.example.com')
    .optional(),
  DELIVERY_RETRY_BASE_MS: z.coerce.number().int().min(1).default(60_000),
  DELIVERY_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(1).default(3_600_000),
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(8),
  DELIVERY_POLL_MS: z.coerce.number().int().min(10).default(1000),
  LETTER_COMPANY: z.string().min(1).default('Receivables Platform Demo Co.'),
  LETTER_DEV_KEY_FILE: z.string().min(1).default('.data/letters/dev-signing-key.pem'),
});

/** How collections delivers: the channel for email, retries, and how letters are made and sealed. */
export interface DeliverySettings {
  email: DeliveryChannel;
  /** A temporary failure is retried after the base delay doubled per attempt, capped at `retryMaxDelayMs`, without end. */
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Tries after which a message still retried is shown to a person as deferred (the worklist). */
  maxAttempts: number;
  pollMs: number;
  company: string;
  font: LetterFont;
  signer: CompanySigner;
}

/** From the environment; fails fast naming every problem. Without SMTP_URL/SMTP_HOST, email is recorded only. */
export function deliverySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): DeliverySettings {
  const parsed = Env.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `collections delivery settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const e = parsed.data;
  const smtp = e.SMTP_URL || e.SMTP_HOST;
  return {
    email: smtp
      ? new SmtpChannel({
          url: e.SMTP_URL,
          host: e.SMTP_HOST,
          port: e.SMTP_PORT,
          secure: e.SMTP_SECURE === 'true',
          user: e.SMTP_USER,
          pass: e.SMTP_PASS,
          from: e.SMTP_FROM,
          messageIdDomain: e.SMTP_MESSAGE_ID_DOMAIN,
        })
      : recordingChannel,
    retryBaseMs: e.DELIVERY_RETRY_BASE_MS,
    retryMaxDelayMs: e.DELIVERY_RETRY_MAX_DELAY_MS,
    maxAttempts: e.DELIVERY_MAX_ATTEMPTS,
    pollMs: e.DELIVERY_POLL_MS,
    company: e.LETTER_COMPANY,
    font: letterFontFromEnv(env),
    signer: CompanySigner.fromEnv(env, e.LETTER_DEV_KEY_FILE),
  };
}
