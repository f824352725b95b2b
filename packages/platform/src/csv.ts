/** A text a spreadsheet would read as a formula (OWASP, CSV injection): = + - @ TAB CR first. */
const FORMULA = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180) that a spreadsheet shows as it is and never runs: a text starting with
 * a formula character is prefixed with a single quote and quoted (OWASP's CSV injection
 * advice: `=HYPERLINK(...)` arrives as text); separators, quotes and line breaks are quoted;
 * numbers are written as numbers (a negative amount stays a number); null is an empty cell.
 * Every CSV the services export writes its cells through this.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const formula = FORMULA.test(value);
  const text = formula ? `'${value}` : value;
  return formula || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line of cells (see csvCell). */
export function csvLine(cells: (string | number | null | undefined)[]): string {
  return cells.map(csvCell).join(',');
}
