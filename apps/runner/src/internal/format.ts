/** A column of a text table. */
export interface TableColumn {
  key: string;
  header: string;
  align?: 'left' | 'right';
}

/** A query result or listing value as text: dates as ISO strings, bigints as digits, objects as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'object') return JSON.stringify(jsonValue(value));
  return String(value);
}

/** A value made JSON-safe: bigints beyond the safe range as strings, dates as ISO strings, bytes as hex. */
export function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value !== null && typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
      return jsonValue((value as { toJSON(): unknown }).toJSON());
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonValue(item)]));
  }
  return value;
}

/** Display width of a string without ANSI colour codes. */
export function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI escape sequences
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Rows as an aligned text table: a header line, then one line per row, columns separated by two spaces.
 * Numbers are right-aligned unless the column says otherwise. Ends with a newline.
 */
export function formatTable(
  columns: readonly TableColumn[],
  rows: ReadonlyArray<Record<string, unknown>>,
  style: { header?: (text: string) => string } = {},
): string {
  const cells = rows.map((row) => columns.map((column) => cellText(row[column.key])));
  const aligns = columns.map(
    (column) =>
      column.align ??
      (rows.length > 0 && rows.every((row) => ['number', 'bigint'].includes(typeof row[column.key]))
        ? 'right'
        : 'left'),
  );
  const widths = columns.map((column, index) =>
    Math.max(visibleLength(column.header), ...cells.map((line) => visibleLength(line[index]!))),
  );
  const header = columns
    .map((column, index) => pad(column.header, widths[index]!, aligns[index]!))
    .join('  ')
    .trimEnd();
  const lines = cells.map((line) =>
    line
      .map((cell, index) => pad(cell, widths[index]!, aligns[index]!))
      .join('  ')
      .trimEnd(),
  );
  return `${[style.header ? style.header(header) : header, ...lines].join('\n')}\n`;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows as CSV with a header line; NULL is an empty field. Ends with a newline. */
export function formatCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvField(cellText(row[column]))).join(','));
  return `${lines.join('\n')}\n`;
}
