import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * The pipeline working directory, laid out like dlt's (SEMANTICS §1.3):
 *
 * ```
 * state.json
 * schemas/<schema>.schema.json
 * normalize/extracted/<load_id>/        committed extracted packages
 * normalize/<random>/<load_id>/         an extract in progress (removed on failure)
 * load/new/<load_id>/                   a package being normalized
 * load/normalized/<load_id>/            ready to load / being loaded
 * load/loaded/<load_id>/                done (package_completed.json: loaded | aborted)
 * ```
 *
 * Packages move between areas with `rename` (atomic on one file system); files inside are written
 * atomically too, so a process killed at any point leaves either the old or the new state.
 */
export class WorkingDir {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  get statePath(): string {
    return join(this.root, 'state.json');
  }
  get schemasDir(): string {
    return join(this.root, 'schemas');
  }
  get extractedDir(): string {
    return join(this.root, 'normalize', 'extracted');
  }
  get normalizingDir(): string {
    return join(this.root, 'load', 'new');
  }
  get normalizedDir(): string {
    return join(this.root, 'load', 'normalized');
  }
  get loadedDir(): string {
    return join(this.root, 'load', 'loaded');
  }

  async ensure(): Promise<void> {
    for (const dir of [
      this.schemasDir,
      this.extractedDir,
      this.normalizingDir,
      this.normalizedDir,
      this.loadedDir,
    ]) {
      await mkdir(dir, { recursive: true });
    }
  }

  /** A fresh temporary area for an extract (`normalize/<random hex>/`). */
  async newExtractArea(): Promise<string> {
    const dir = join(this.root, 'normalize', randomBytes(8).toString('hex'));
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Removes leftovers of interrupted extracts and normalizations. */
  async cleanTemporaryAreas(): Promise<void> {
    const normalize = join(this.root, 'normalize');
    if (existsSync(normalize)) {
      for (const entry of await readdir(normalize)) {
        if (/^[0-9a-f]{16}$/.test(entry)) await rm(join(normalize, entry), { recursive: true, force: true });
      }
    }
    if (existsSync(this.normalizingDir)) {
      for (const entry of await readdir(this.normalizingDir))
        await rm(join(this.normalizingDir, entry), { recursive: true, force: true });
    }
  }

  /** Load ids in an area, oldest first (load ids sort chronologically as strings). */
  async packages(area: string): Promise<string[]> {
    if (!existsSync(area)) return [];
    return (await readdir(area)).filter((name) => !name.startsWith('.')).sort();
  }
}

export async function writeJson(path: string, value: unknown, pretty = false): Promise<void> {
  await writeFileAtomic(path, pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value));
}

export async function writeText(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text);
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Moves a directory or file atomically, replacing nothing (the target must not exist). */
export async function move(from: string, to: string): Promise<void> {
  await rename(from, to);
}

let lastMicros = 0;

/**
 * A new load id: Unix time in seconds with up to 6 decimals (like Python's float repr), strictly
 * increasing in this process; the 10-digit integer part keeps string order equal to time order
 * (SEMANTICS §1.2).
 */
export function newLoadId(): string {
  let micros = Date.now() * 1000;
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return fraction ? `${seconds}.${fraction}` : `${seconds}.0`;
}

/** The creation time encoded in a load id. */
export function loadIdTime(loadId: string): Date {
  return new Date(Math.round(Number(loadId) * 1000));
}
