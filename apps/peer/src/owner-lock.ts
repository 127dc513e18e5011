import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One process at a time owns a peer's files (its state, its event log): a second peer started with the same id and
 * the same directories, say in a second terminal, would otherwise append its own history to the first one's log and
 * overwrite its incarnation, and every checker reading that log afterwards would see nonsense.
 *
 * The claim is a lock file beside the owned file, created exclusively (`wx`), holding the owner's pid, as PostgreSQL's
 * postmaster.pid and many daemons' pid files do. A claim whose process is gone (kill -9 leaves its lock behind) is
 * stale and taken over. Two processes that find the same stale claim at the same instant could both take it over:
 * that needs two peers of the same id started together after a crash, and is left at that.
 */
export class OwnedFileError extends Error {}

export class OwnerLock {
  private released = false;

  private constructor(readonly lockFile: string) {}

  /** Claims `file` for this process, or throws OwnedFileError naming the process that owns it. */
  static claim(file: string): OwnerLock {
    const lockFile = `${file}.lock`;
    mkdirSync(dirname(lockFile), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(lockFile, 'wx');
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        return new OwnerLock(lockFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = ownerOf(lockFile);
      if (owner !== undefined && isRunning(owner))
        throw new OwnedFileError(
          `${file} belongs to process ${owner}${owner === process.pid ? ' (this one)' : ''}, another peer with the same id: ` +
            `give each peer its own id, or its own --events-dir and --state-dir (if no such peer runs, remove ${lockFile})`,
        );
      unlinkIfPresent(lockFile); // Stale: its process is gone.
    }
    throw new OwnedFileError(`${file} is being claimed by another process at this very moment: try again`);
  }

  /** Gives the file up (at shutdown). */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (ownerOf(this.lockFile) === process.pid) unlinkIfPresent(this.lockFile);
  }
}

function ownerOf(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending; EPERM means it exists, not ours). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
