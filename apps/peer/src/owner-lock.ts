import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** A file another live process owns (or is claiming at this very moment). */
export class OwnedFileError extends Error {}

/**
 * One process at a time owns a peer's files (its state, its event log): a second peer started with the same id and
 * the same directories, say in a second terminal, would otherwise append its own history to the first one's log and
 * overwrite its incarnation, and every checker reading that log afterwards would see nonsense.
 *
 * The claim is a lock file beside the owned file, created exclusively (`wx`), holding the owner's pid, as PostgreSQL's
 * postmaster.pid and many daemons' pid files do, and, where /proc tells it (Linux), the owner's start time: a claim
 * whose process is gone (kill -9 leaves its lock behind) is stale and taken over at once, and so is one whose pid now
 * belongs to a process that started later (pids are reused, after a reboot above all). Two processes that find the
 * same stale claim at the same instant could both take it over: that needs two peers of the same id started together
 * after a crash, and is left at that.
 */
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
          writeSync(fd, `${process.pid} ${startTimeOf(process.pid) ?? ''}`.trimEnd() + '\n');
        } finally {
          closeSync(fd);
        }
        return new OwnerLock(lockFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = ownerOf(lockFile);
      if (owner !== undefined && isRunning(owner.pid, owner.startTime))
        throw new OwnedFileError(
          `${file} belongs to process ${owner.pid}${owner.pid === process.pid ? ' (this one)' : ''}, another peer with the same id: ` +
            `give each peer its own id, or its own --events-dir and --state-dir (if no such peer runs, remove ${lockFile})`,
        );
      unlinkIfPresent(lockFile); // Stale: its process is gone, or its pid is now another process.
    }
    throw new OwnedFileError(`${file} is being claimed by another process at this very moment: try again`);
  }

  /** Gives the file up (at shutdown). */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (ownerOf(this.lockFile)?.pid === process.pid) unlinkIfPresent(this.lockFile);
  }
}

/** The claim in a lock file: "<pid>" or "<pid> <start time>"; undefined when it holds no pid. */
function ownerOf(lockFile: string): { pid: number; startTime: string | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch {
    return undefined;
  }
  const [pidText = '', startTime] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, startTime } : undefined;
}

/**
 * Whether the process that made a claim still runs: a process with its pid exists (signal 0 checks without sending;
 * EPERM means it exists, someone else's) and, when both are known, started when the claim says.
 */
function isRunning(pid: number, startTime: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(pid);
  return startTime === undefined || now === undefined || now === startTime;
}

/** When process `pid` started, in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined without /proc. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count the fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
