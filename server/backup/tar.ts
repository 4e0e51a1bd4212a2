import fsp from 'node:fs/promises';

const BLOCK = 512;

/** One file of a tar stream: its name in the archive and where its bytes are. */
export interface TarEntry {
  name: string;
  file: string;
  size: number;
  mtime?: Date;
}

/**
 * A POSIX ustar archive of the given files, produced piece by piece (headers, then each file
 * read in chunks), so a backup of any size streams with constant memory. Names up to 255
 * bytes (prefix + name), which the backup's own paths never exceed.
 */
export async function* tarStream(entries: Iterable<TarEntry>): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield header(entry);
    const handle = await fsp.open(entry.file, 'r');
    try {
      let left = entry.size;
      const buf = Buffer.allocUnsafe(256 * 1024);
      while (left > 0) {
        const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, left), null);
        if (bytesRead === 0) throw new Error(`${entry.file} is shorter than ${entry.size} bytes`);
        left -= bytesRead;
        yield Buffer.from(buf.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
    const pad = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2);
}

function header(entry: TarEntry): Buffer {
  if (entry.size >= 8 ** 11) throw new Error(`${entry.name} is too big for a ustar archive (8 GiB at most)`);
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(entry.name);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, 0o600);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, entry.size);
  octal(h, 136, 12, Math.floor((entry.mtime?.getTime() ?? Date.now()) / 1000));
  h.fill(' ', 148, 156);
  h.write('0', 156);
  h.write('ustar\u000000', 257, 8, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'latin1');
  return h;
}

function octal(h: Buffer, at: number, length: number, value: number): void {
  h.write(value.toString(8).padStart(length - 1, '0') + '\u0000', at, length, 'latin1');
}

/** ustar keeps a long name as a prefix (up to 155 bytes) and a name (up to 100), split at a slash. */
function splitName(full: string): [string, string] {
  if (Buffer.byteLength(full) <= 100) return ['', full];
  for (let i = full.indexOf('/'); i > 0; i = full.indexOf('/', i + 1)) {
    const prefix = full.slice(0, i);
    const name = full.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`the name ${full} is too long for a tar archive`);
}
