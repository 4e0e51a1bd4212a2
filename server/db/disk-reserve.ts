import fsp from 'node:fs/promises';

/**
 * How long a look that found plenty of room everywhere (twice the reserve and COMFORT more) is
 * reused: a burst of MAIL commands costs one statfs per path. Nearer the reserve every check
 * looks again, so the reserve holds and mail is taken the moment space is freed.
 */
const FRESH_MS = 500;
const COMFORT = 64 * 1024 * 1024;

export interface DiskRoom {
  /** The tightest file system: the path, its free bytes (for unprivileged writers), the reserve. */
  path: string;
  freeBytes: number;
  reserveBytes: number;
}

/**
 * The free-space reserve (issue 13, the seed's "Dealing With a Full Disk"): below `reserve` bytes
 * free on any file system the engine writes mail to, new mail is refused with "try again later"
 * while reading, deleting and delivering what was already accepted go on, so the database and
 * the queue never meet a full disk in the middle of a write. It lifts by itself once space is
 * freed.
 */
export class DiskReserve {
  private looked?: { at: number; rooms: Promise<DiskRoom[]>; roomy: boolean };
  private below = false;

  constructor(
    private readonly paths: () => string[],
    private readonly reserveBytes: () => number,
    private readonly onChange: (below: boolean, tightest: DiskRoom) => void = () => undefined,
  ) {}

  /**
   * Whether `bytes` more can be written and every file system still keeps its reserve; with
   * `bytes` 0, whether new mail may be taken at all. Always true when the reserve is 0.
   * `fresh` looks at the file systems now, as after a write of unknown size.
   */
  async hasRoom(bytes = 0, opts: { fresh?: boolean } = {}): Promise<boolean> {
    const reserve = this.reserveBytes();
    if (reserve <= 0) return true;
    const tightest = await this.tightest(opts.fresh);
    if (!tightest) return true;
    const below = tightest.freeBytes < reserve;
    if (below !== this.below) {
      this.below = below;
      this.onChange(below, tightest);
    }
    return tightest.freeBytes - bytes >= reserve;
  }

  /**
   * After `bytes` were written: whether every file system still keeps its reserve. A recent
   * look that found plenty of room is trusted (less what was written since); nearer the
   * reserve the file systems are looked at again, so one statfs per message is paid only there.
   */
  async hasRoomAfterWriting(bytes: number): Promise<boolean> {
    const looked = this.looked;
    if (looked?.roomy && Date.now() - looked.at < FRESH_MS) return this.hasRoom(bytes);
    return this.hasRoom(0, { fresh: true });
  }

  /** The file system with the least free space, or undefined when none could be measured. */
  async tightest(fresh = false): Promise<DiskRoom | undefined> {
    const rooms = await this.measure(fresh);
    return rooms.reduce<DiskRoom | undefined>((least, r) => (!least || r.freeBytes < least.freeBytes ? r : least), undefined);
  }

  private measure(fresh: boolean): Promise<DiskRoom[]> {
    const now = Date.now();
    const reserveBytes = this.reserveBytes();
    if (!fresh && this.looked?.roomy && now - this.looked.at < FRESH_MS) return this.looked.rooms;
    const rooms = Promise.all(
      [...new Set(this.paths())].map(async (path) => {
        try {
          const s = await fsp.statfs(path);
          return { path, freeBytes: s.bavail * s.bsize, reserveBytes };
        } catch {
          // A store location that is not mounted yet is the store's to report; it holds no reserve.
          return undefined;
        }
      }),
    ).then((all) => all.filter((r): r is DiskRoom => r !== undefined));
    const looked = { at: now, rooms, roomy: false };
    this.looked = looked;
    void rooms.then((r) => (looked.roomy = r.every((room) => room.freeBytes >= 2 * reserveBytes + COMFORT)));
    return rooms;
  }
}
