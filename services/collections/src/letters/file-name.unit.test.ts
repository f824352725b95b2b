import { letterFileNames, safeFileName } from './file-name';

/**
 * #18 probe A: attachment names carried ':' from invoice ids and timestamps
 * ('DUNNING_LETTER-INV:2026:07.pdf'), which Windows and some mail clients refuse or cut.
 */
describe('attachment file names', () => {
  it("a letter's PDF and signature are named without ':' or other characters Windows forbids", () => {
    expect(letterFileNames('DUNNING_LETTER', 'INV:2026/07*"a"')).toEqual({
      pdf: 'DUNNING_LETTER-INV-2026-07-a.pdf',
      signature: 'DUNNING_LETTER-INV-2026-07-a.pdf.sig',
    });
  });

  it.each([
    ['message-INV-1.v3:2026-03-01T10:00:00+08:00.pdf', 'message-INV-1.v3-2026-03-01T10-00-00+08-00.pdf'],
    ['a<b>c|d?e\\f.pdf', 'a-b-c-d-e-f.pdf'],
    ['name\u0000with\u202Econtrols.pdf', 'namewithcontrols.pdf'],
    ['CON.pdf', '_CON.pdf'],
    ['trailing. .', 'trailing'],
    ['', 'document'],
  ])('%j becomes %j', (name, safe) => {
    expect(safeFileName(name)).toBe(safe);
  });

  it('keeps CJK and keeps the extension when it shortens a long name', () => {
    expect(safeFileName('发票-INV:1.pdf')).toBe('发票-INV-1.pdf');
    const long = safeFileName(`${'x'.repeat(300)}.pdf.sig`);
    expect(long.length).toBeLessThanOrEqual(120);
    expect(long.endsWith('.pdf.sig')).toBe(true);
  });
});
