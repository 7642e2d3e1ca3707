// A small GraphQL reader for the Linear replay server: enough of the query language to find the root
// fields, their arguments (with variables substituted) and the selection sets to project answers on.

/** A field of a selection set, or a fragment spread (whose selections are not resolved). */
export type Selection =
  | {
      kind: 'field';
      name: string;
      alias: string | undefined;
      args: Record<string, unknown>;
      selections: Selection[] | undefined;
    }
  | { kind: 'spread' };

/** Thrown for query text the reader does not understand; the server answers it like Linear (400). */
export class GraphqlSyntaxError extends Error {}

type Token = { kind: 'punct' | 'name' | 'number' | 'string'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (/[\s,\uFEFF]/.test(char)) {
      index += 1;
    } else if (char === '#') {
      while (index < text.length && text[index] !== '\n') index += 1;
    } else if (text.startsWith('...', index)) {
      tokens.push({ kind: 'punct', value: '...' });
      index += 3;
    } else if ('!$()[]{}:=@|'.includes(char)) {
      tokens.push({ kind: 'punct', value: char });
      index += 1;
    } else if (/[_A-Za-z]/.test(char)) {
      const match = /^[_A-Za-z][_0-9A-Za-z]*/.exec(text.slice(index))!;
      tokens.push({ kind: 'name', value: match[0] });
      index += match[0].length;
    } else if (/[-0-9]/.test(char)) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(index));
      if (!match) throw new GraphqlSyntaxError(`Syntax Error: unexpected character "${char}".`);
      tokens.push({ kind: 'number', value: match[0] });
      index += match[0].length;
    } else if (char === '"') {
      if (text.startsWith('"""', index)) throw new GraphqlSyntaxError('Block strings are not supported.');
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) throw new GraphqlSyntaxError('Syntax Error: unterminated string.');
      tokens.push({ kind: 'string', value: JSON.parse(text.slice(index, end + 1)) as string });
      index = end + 1;
    } else {
      throw new GraphqlSyntaxError(`Syntax Error: unexpected character "${char}".`);
    }
  }
  return tokens;
}

class Reader {
  #index = 0;
  readonly #tokens: Token[];
  readonly #variables: Record<string, unknown>;

  constructor(tokens: Token[], variables: Record<string, unknown>) {
    this.#tokens = tokens;
    this.#variables = variables;
  }

  get done(): boolean {
    return this.#index >= this.#tokens.length;
  }

  peek(): Token | undefined {
    return this.#tokens[this.#index];
  }

  next(): Token {
    const token = this.#tokens[this.#index];
    if (!token) throw new GraphqlSyntaxError('Syntax Error: unexpected end of the document.');
    this.#index += 1;
    return token;
  }

  is(value: string): boolean {
    const token = this.peek();
    return token !== undefined && token.kind === 'punct' && token.value === value;
  }

  expect(value: string): void {
    const token = this.next();
    if (token.kind !== 'punct' || token.value !== value) {
      throw new GraphqlSyntaxError(`Syntax Error: expected "${value}", found "${token.value}".`);
    }
  }

  name(): string {
    const token = this.next();
    if (token.kind !== 'name')
      throw new GraphqlSyntaxError(`Syntax Error: expected a name, found "${token.value}".`);
    return token.value;
  }

  /** Skips a balanced `( … )` group (variable definitions). */
  skipGroup(open: string, close: string): void {
    this.expect(open);
    let depth = 1;
    while (depth > 0) {
      const token = this.next();
      if (token.kind === 'punct' && token.value === open) depth += 1;
      if (token.kind === 'punct' && token.value === close) depth -= 1;
    }
  }

  directives(): void {
    while (this.is('@')) {
      this.next();
      this.name();
      if (this.is('(')) this.skipGroup('(', ')');
    }
  }

  value(): unknown {
    const token = this.next();
    if (token.kind === 'punct' && token.value === '$') return this.#variables[this.name()] ?? null;
    if (token.kind === 'number') return Number(token.value);
    if (token.kind === 'string') return token.value;
    if (token.kind === 'name') {
      if (token.value === 'true') return true;
      if (token.value === 'false') return false;
      if (token.value === 'null') return null;
      return token.value;
    }
    if (token.value === '[') {
      const list: unknown[] = [];
      while (!this.is(']')) list.push(this.value());
      this.expect(']');
      return list;
    }
    if (token.value === '{') {
      const object: Record<string, unknown> = {};
      while (!this.is('}')) {
        const key = this.name();
        this.expect(':');
        object[key] = this.value();
      }
      this.expect('}');
      return object;
    }
    throw new GraphqlSyntaxError(`Syntax Error: unexpected "${token.value}".`);
  }

  selectionSet(): Selection[] {
    this.expect('{');
    const selections: Selection[] = [];
    while (!this.is('}')) {
      if (this.is('...')) {
        this.next();
        if (this.peek()?.kind === 'name' && this.peek()?.value === 'on') {
          this.next();
          this.name();
        } else if (this.peek()?.kind === 'name') {
          this.name();
        }
        this.directives();
        if (this.is('{')) this.selectionSet();
        selections.push({ kind: 'spread' });
        continue;
      }
      let name = this.name();
      let alias: string | undefined;
      if (this.is(':')) {
        this.next();
        alias = name;
        name = this.name();
      }
      const args: Record<string, unknown> = {};
      if (this.is('(')) {
        this.next();
        while (!this.is(')')) {
          const key = this.name();
          this.expect(':');
          args[key] = this.value();
        }
        this.expect(')');
      }
      this.directives();
      const children = this.is('{') ? this.selectionSet() : undefined;
      selections.push({ kind: 'field', name, alias, args, selections: children });
    }
    this.expect('}');
    return selections;
  }
}

/**
 * Reads the (first) query operation of a document: its top-level selections, with argument variables
 * replaced by their values. Throws {@link GraphqlSyntaxError} for mutations and unreadable text.
 */
export function readQuery(text: string, variables: Record<string, unknown> = {}): Selection[] {
  const reader = new Reader(tokenize(text), variables);
  while (!reader.done) {
    if (reader.is('{')) return reader.selectionSet();
    const keyword = reader.name();
    if (keyword === 'fragment') {
      reader.name();
      reader.name();
      reader.name();
      reader.directives();
      reader.selectionSet();
      continue;
    }
    if (keyword !== 'query') {
      throw new GraphqlSyntaxError(`The replay server answers queries only, not ${keyword} operations.`);
    }
    if (reader.peek()?.kind === 'name') reader.name();
    if (reader.is('(')) reader.skipGroup('(', ')');
    reader.directives();
    return reader.selectionSet();
  }
  throw new GraphqlSyntaxError('Syntax Error: the document has no query.');
}

/**
 * Linear's complexity model (developers docs): a scalar costs 0.1, an object 1, and a connection
 * multiplies its nodes (each an object) by its page size (`first`, default 50); the total is rounded up.
 * The docs' examples: `{ user(id: "me") { name } }` = 2; a connection of `id title createdAt` = 66 at
 * the default page size and 14 with `first: 10`.
 */
export function queryComplexity(selections: readonly Selection[], defaultPageSize = 50): number {
  const cost = (items: readonly Selection[]): number =>
    items.reduce((sum, item) => {
      if (item.kind !== 'field') return sum + 1;
      if (!item.selections) return sum + 0.1;
      const isConnection = item.selections.some(
        (child) => child.kind === 'field' && (child.name === 'nodes' || child.name === 'edges'),
      );
      const pageSize = typeof item.args.first === 'number' ? item.args.first : defaultPageSize;
      const inner = item.selections.reduce((innerSum, child) => {
        if (
          child.kind === 'field' &&
          (child.name === 'nodes' || child.name === 'edges') &&
          child.selections
        ) {
          return innerSum + pageSize * (1 + cost(child.selections));
        }
        return innerSum + cost([child]);
      }, 0);
      return sum + 1 + (isConnection ? inner : cost(item.selections));
    }, 0);
  return Math.ceil(cost(selections) - 1e-9);
}
