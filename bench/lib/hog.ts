/**
 * A CPU hog for the "busy host" rows: one busy-looping process per core at
 * the lowest priority (nice 19), as a production host is never idle. It takes
 * every idle cycle, so each wake-up along a call's path lands on a CPU that
 * is running something else and must pre-empt it: the rows show what that
 * does to the tail. Bridge and RabbitMQ rows run beside the same hog.
 */
import os from 'node:os';
import { join } from 'node:path';
import { ProcessRegistry, type ManagedProcess } from './procs';

/** Niceness of the hog processes (the lowest priority). */
export const DEFAULT_HOG_NICE = 19;
/** The busy loop: Debian's python3, small and always there. */
const HOG_PYTHON = '/usr/bin/python3';
const HOG_LOOP = 'while True: pass';

export interface CpuHog {
  count: number;
  nice: number;
  stop(): Promise<void>;
}

/** Start one hog per CPU (or `count`), registered with `procs` so they stop with the bench. */
export function startCpuHog(procs: ProcessRegistry, workDir: string, count = os.availableParallelism(), nice = DEFAULT_HOG_NICE): CpuHog {
  const hogs: ManagedProcess[] = [];
  for (let i = 0; i < count; i++) {
    hogs.push(procs.spawn(`cpu hog ${i}`, 'nice', ['-n', String(nice), HOG_PYTHON, '-c', HOG_LOOP], join(workDir, `cpu-hog-${i}.log`)));
  }
  return {
    count,
    nice,
    stop: async () => {
      await Promise.all(hogs.map((h) => procs.stop(h, 1_000)));
    },
  };
}
