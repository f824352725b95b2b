import { emailMessageId } from './message-id';

// RFC 5322 msg-id: "<" dot-atom-text "@" dot-atom-text ">" (no-fold-literal right parts aside).
const atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const dotAtom = `${atext}(?:\\.${atext})*`;
const msgId = new RegExp(`^<${dotAtom}@${dotAtom}>$`);

describe("an email's Message-ID (#18 probe F7)", () => {
  it('is a valid msg-id whatever the message id holds, in the domain of the sender address', () => {
    const id = emailMessageId('K-1:M1-DUNNING_LETTER', 'Receivables <ar@acme.example>');
    expect(id).toMatch(msgId);
    expect(id).toMatch(/^<K-1-M1-DUNNING_LETTER\.[0-9a-f]{12}@acme\.example>$/);
  });

  it('is stable per message, so a resend is recognisable, and two ids made alike by the replacement stay apart', () => {
    const from = 'ar@acme.example';
    expect(emailMessageId('K-1:M1-DUNNING_LETTER', from)).toBe(emailMessageId('K-1:M1-DUNNING_LETTER', from));
    expect(emailMessageId('K-1:M1-DUNNING_LETTER', from)).not.toBe(
      emailMessageId('K-1-M1-DUNNING_LETTER', from),
    );
  });

  it('takes a configured domain over the sender, and never a leading, trailing or doubled dot', () => {
    expect(emailMessageId('..a..b.', 'ar@acme.example', 'mail.acme.example')).toMatch(
      /^<a\.b\.[0-9a-f]{12}@mail\.acme\.example>$/,
    );
  });

  it('falls back to a valid domain when the sender address has none', () => {
    expect(emailMessageId('INV-1-REMINDER_ON_DUE', 'Receivables')).toMatch(msgId);
  });
});
