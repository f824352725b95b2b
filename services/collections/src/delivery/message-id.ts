import { createHash } from 'node:crypto';

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** A string as dot-atom text: characters outside atext become '-', dots never leading, trailing or doubled. */
const asDotAtom = (s: string) =>
  s
    .replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.+|\.+$/g, '');

/** The domain of a From address (`Name <user@domain>` or `user@domain`), when it is a dot-atom. */
function domainOf(from: string): string | undefined {
  const address = /<([^>]*)>/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf('@') + 1).trim();
  return address.includes('@') && DOT_ATOM.test(domain) ? domain : undefined;
}

/**
 * The email's Message-ID for one message (#18 probe F7): a valid RFC 5322 msg-id,
 * `<id-with-unsafe-characters-replaced.hash@domain>` - the id stays readable, the hash of the exact
 * id keeps two ids apart that the replacement made alike, and it is the same on every attempt and
 * resend, so the recipient (and their server) recognise the message sent again. The domain is the
 * configured one (SMTP_MESSAGE_ID_DOMAIN), else that of the sender address (SMTP_FROM).
 */
export function emailMessageId(messageId: string, from: string, domain?: string): string {
  const hash = createHash('sha256').update(messageId).digest('hex').slice(0, 12);
  const left = asDotAtom(messageId);
  const right = (domain && DOT_ATOM.test(domain) ? domain : undefined) ?? domainOf(from) ?? 'localhost';
  return `<${left ? `${left}.` : ''}${hash}@${right}>`;
}
