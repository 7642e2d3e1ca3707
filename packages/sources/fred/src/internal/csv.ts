import { FredError } from '../errors.ts';
import { isIsoDate, type Observation, parseFredValue } from './observation.ts';

/** Which series a CSV is read for, and where it came from (for messages). */
export interface CsvTarget {
  id: string;
  name: string;
  /** E.g. `the fredgraph.csv download` or `file /data/cpi.csv`. */
  origin: string;
}

function splitCells(line: string): string[] {
  return line.split(',').map((cell) => {
    const trimmed = cell.trim();
    return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
      ? trimmed.slice(1, -1)
      : trimmed;
  });
}

function invalid(target: CsvTarget, detail: string): FredError {
  return new FredError(
    `Cannot read series ${target.id} (${target.name}) from ${target.origin}: ${detail}. Expected a fredgraph CSV: a header 'observation_date,${target.id}' (or the older 'DATE,${target.id}') and one 'YYYY-MM-DD,value' line per observation.`,
    { kind: 'invalid_response', seriesId: target.id, seriesName: target.name },
  );
}

/**
 * Parses a fredgraph.csv download (or a file saved from one). Both header formats are accepted — the
 * first header cell is ignored (`observation_date` now, `DATE` before late 2024) — and the value column
 * is found by series id, then by friendly name, else the only column after the date. Missing values may
 * be empty fields or `.`; CRLF or LF line ends, a BOM, and a missing final newline are all accepted.
 */
export function parseFredgraphCsv(text: string, target: CsvTarget): Observation[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r\n|\n|\r/);
  let index = 0;
  while (index < lines.length && lines[index]!.trim() === '') index += 1;
  const headerLine = lines[index];
  if (headerLine === undefined) throw invalid(target, 'it is empty');
  if (headerLine.trimStart().startsWith('<')) throw invalid(target, 'it is an HTML page, not CSV');
  const header = splitCells(headerLine);
  if (header.length < 2) throw invalid(target, `its header '${headerLine.slice(0, 80)}' has no value column`);
  const wanted = [target.id.toLowerCase(), target.name.toLowerCase()];
  let column = -1;
  for (const candidate of wanted) {
    column = header.findIndex((cell, position) => position > 0 && cell.toLowerCase() === candidate);
    if (column > 0) break;
  }
  if (column <= 0 && header.length === 2) column = 1;
  if (column <= 0) {
    throw invalid(target, `its header '${headerLine.slice(0, 200)}' has no column ${target.id}`);
  }
  const observations: Observation[] = [];
  for (let lineIndex = index + 1; lineIndex < lines.length; lineIndex++) {
    const line = lines[lineIndex]!;
    if (line.trim() === '') continue;
    const cells = splitCells(line);
    const date = cells[0]!;
    if (!isIsoDate(date)) {
      throw invalid(
        target,
        `line ${lineIndex + 1} ('${line.slice(0, 40)}') does not start with a YYYY-MM-DD date`,
      );
    }
    const value = parseFredValue(cells[column] ?? '');
    if (value === undefined) {
      throw invalid(target, `line ${lineIndex + 1} has the value '${(cells[column] ?? '').slice(0, 40)}'`);
    }
    observations.push({ date, value });
  }
  return observations;
}
