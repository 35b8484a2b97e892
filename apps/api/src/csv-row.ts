// CSV text as RFC 4180 writes it: fields joined by commas, a record ended by CRLF, and a field quoted
// (its quotes doubled) when it holds a comma, a quote, a CR or an LF. Null is an empty field.

/** One field, quoted when it must be. */
export function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return "";
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One record with its CRLF. */
export function csvRow(values: readonly (string | null | undefined)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/**
 * Text a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a CR) gets a leading
 * apostrophe, as OWASP advises for CSV meant for spreadsheets; other text is returned as it is.
 */
export function inertInSpreadsheets(value: string | null): string | null {
  return value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
