import nodemailer, { type Transporter } from 'nodemailer';
import { emailMessageId } from './message-id';

/** What goes out: the address, the subject, the text, the signed letter if any. */
export interface OutgoingMessage {
  messageId: string;
  to: string | undefined;
  subject: string;
  text: string;
  attachments: { filename: string; content: Buffer; contentType: string }[];
}

/** How a channel's server answered: accepted, a temporary refusal (retry), or a permanent one. */
export type SendOutcome =
  | { outcome: 'SENT'; answer: string }
  | { outcome: 'TEMPORARY'; answer: string }
  | { outcome: 'PERMANENT'; answer: string };

/** The channel port: one message, one answer. */
export interface DeliveryChannel {
  readonly name: string;
  /** Whether it reaches a person (then it needs the customer's address). */
  readonly reachesPeople: boolean;
  send(message: OutgoingMessage): Promise<SendOutcome>;
  close?(): void;
}

/** The embedded default: the message is archived (delivered_messages, its events) and sent to nobody. */
export const recordingChannel: DeliveryChannel = {
  name: 'recording',
  reachesPeople: false,
  send: async () => ({ outcome: 'SENT', answer: 'recorded (the recording channel sends nothing)' }),
};

export interface SmtpSettings {
  /** smtp://user:pass@host:port or smtps://... (nodemailer's connection URL). */
  url?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  secure?: boolean | undefined;
  user?: string | undefined;
  pass?: string | undefined;
  from: string;
  /** The domain of the Message-IDs (default: the sender address's). */
  messageIdDomain?: string | undefined;
}

/**
 * Email over SMTP with nodemailer. The server's reply decides: 2xx sent, 4xx temporary (retried
 * with backoff), 5xx permanent (a person takes it); no answer at all (refused, timed out) is
 * temporary.
 */
export class SmtpChannel implements DeliveryChannel {
  readonly name = 'smtp';
  readonly reachesPeople = true;
  private readonly transport: Transporter;

  constructor(private readonly settings: SmtpSettings) {
    const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
    this.transport = settings.url
      ? nodemailer.createTransport(settings.url, timeouts as never)
      : nodemailer.createTransport({
          host: settings.host,
          port: settings.port ?? 587,
          secure: settings.secure ?? false,
          ...(settings.user ? { auth: { user: settings.user, pass: settings.pass ?? '' } } : {}),
          ...timeouts,
        });
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    if (!message.to) return { outcome: 'PERMANENT', answer: 'no address' };
    try {
      const info = await this.transport.sendMail({
        from: this.settings.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        attachments: message.attachments,
        messageId: emailMessageId(message.messageId, this.settings.from, this.settings.messageIdDomain),
      });
      return { outcome: 'SENT', answer: String(info.response ?? 'accepted') };
    } catch (error) {
      const e = error as { responseCode?: number; response?: string; message?: string; code?: string };
      const answer = e.response ?? `${e.code ?? 'error'}: ${e.message ?? String(error)}`;
      if (e.responseCode && e.responseCode >= 500) return { outcome: 'PERMANENT', answer };
      return { outcome: 'TEMPORARY', answer };
    }
  }

  close(): void {
    this.transport.close();
  }
}
