import { readdirSync, readFileSync } from 'node:fs';

/**
 * The CPU time a process has used so far, user and system, all its threads, in milliseconds: the sum over its threads
 * of /proc/<pid>/task/<tid>/schedstat (nanoseconds on the CPU), else /proc/<pid>/stat (clock ticks of 10 ms, threads
 * that ended included). Undefined where there is no /proc (not Linux) or the process is gone. Benchmarks read it before
 * and after a phase to say what each operation cost the machine. Every thread counts: /proc/<pid>/schedstat alone is
 * the main thread's, and missed a Node process's garbage collection and a browser's compositor and network threads.
 */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    let onCpuNs = 0;
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      try {
        onCpuNs += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended meanwhile.
      }
    }
    if (Number.isFinite(onCpuNs) && onCpuNs > 0) return onCpuNs / 1e6;
  } catch {
    // No schedstat: try stat.
  }
  try {
    // Fields after the command name, which may hold spaces and ends with ") ": utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The CPU time of several processes together, in milliseconds; undefined if any of them cannot be read. */
export function cpuTimeMsOf(pids: readonly number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const used = cpuTimeMs(pid);
    if (used === undefined) return undefined;
    total += used;
  }
  return total;
}

/** A phase of a benchmark: what it returned, how long it took, and the CPU the processes used meanwhile. */
export interface MeasuredPhase<T> {
  value: T;
  elapsedMs: number;
  /** Undefined where CPU time cannot be read. */
  cpuMs: number | undefined;
}

/** Runs `phase`, reading the CPU time of `pids` before and after it. */
export async function measurePhase<T>(pids: readonly number[], phase: () => Promise<T>): Promise<MeasuredPhase<T>> {
  const cpuBefore = cpuTimeMsOf(pids);
  const started = performance.now();
  const value = await phase();
  const elapsedMs = performance.now() - started;
  const cpuAfter = cpuTimeMsOf(pids);
  return {
    value,
    elapsedMs,
    cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
  };
}
