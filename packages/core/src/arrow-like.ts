/**
 * The parts of an apache-arrow `Table` or `RecordBatch` that core needs to recognise one without
 * depending on apache-arrow at run time (the user's single copy of apache-arrow is used everywhere).
 */
export interface ArrowTableLike {
  readonly schema: { readonly fields: ReadonlyArray<{ readonly name: string }> };
  readonly numRows: number;
}

/** True for an apache-arrow `Table` or `RecordBatch` (duck-typed, so any copy of apache-arrow works). */
export function isArrowTable(value: unknown): value is ArrowTableLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { schema?: { fields?: unknown }; numRows?: unknown; getChild?: unknown };
  return (
    Array.isArray(candidate.schema?.fields) &&
    typeof candidate.numRows === 'number' &&
    typeof candidate.getChild === 'function'
  );
}
