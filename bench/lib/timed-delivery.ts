import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { highWaterMarkMb, type MemoryPeak, TreeMemorySampler } from './memory';
import { waitForCount } from './poll';
import { treeCpuSeconds } from './procs';
import { runSmtpSource, type SmtpSourceLoad } from './smtp-source';
import type { Column } from '../types';

const run = promisify(execFile);

/** A mail system under test, seen from outside: where to send, how many are stored, which processes are it. */
export interface DeliveryTarget {
  smtpPort: number;
  /** Messages stored for the recipient so far. */
  storedCount(): number;
  /** Root processes of the system; their descendants are measured too. */
  processRoots(): number[];
  /** A process whose kernel peak (VmHWM) is exact, when the system is one process. */
  singleProcess?: number;
}

export interface DeliveryFigures extends Record<string, number | undefined> {
  messagesPerSecond: number;
  seconds: number;
  acceptedPerSecond: number;
  cpuSeconds: number;
  cpuMsPerMessage: number;
  peakRssMb: number;
  peakPssMb: number;
  peakProcesses: number;
}

/** One message through the whole path first: proves the system delivers and warms it up. */
export async function deliverProbe(target: DeliveryTarget, load: SmtpSourceLoad): Promise<void> {
  const before = target.storedCount();
  await runSmtpSource({ ...load, messages: 1, sessions: 1 }, target.smtpPort, 60_000);
  await waitForCount(() => target.storedCount(), before + 1, { stallMs: 30_000, what: 'probe message stored', from: before });
}

/**
 * The timed part: smtp-source sends `load.messages`; the clock runs from its start until every
 * message is stored and smtp-source has exited. Memory of the system's process tree is
 * sampled throughout.
 */
export async function timedDelivery(target: DeliveryTarget, load: SmtpSourceLoad): Promise<DeliveryFigures> {
  // Flush what earlier work left dirty so it does not slow this run's fsyncs.
  await run('sync');
  const baseline = target.storedCount();
  const sampler = new TreeMemorySampler(() => target.processRoots());
  const ticks = await clockTicks();
  const cpuBefore = treeCpuSeconds(target.processRoots(), ticks);
  sampler.start();
  const started = process.hrtime.bigint();
  let sourceError: Error | undefined;
  let acceptSeconds: number | undefined;
  let memory: MemoryPeak;
  let seconds: number;
  // Stops smtp-source when the store side gives up first, so nothing outlives the benchmark.
  const abort = new AbortController();
  const source = runSmtpSource(load, target.smtpPort, 30 * 60_000, abort.signal).then(
    (s) => (acceptSeconds = s),
    (err: Error) => (sourceError = err),
  );
  try {
    await waitForCount(() => target.storedCount(), baseline + load.messages, {
      stallMs: 60_000,
      what: 'messages stored',
      from: baseline,
      aborted: () => sourceError?.message,
    });
    await source;
    if (sourceError) throw sourceError;
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    memory = sampler.stop();
    if (acceptSeconds === undefined && !sourceError) {
      abort.abort();
      await source;
    }
  }
  // Workers exit a moment after their last message; give the masters time to reap them.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const cpuSeconds = treeCpuSeconds(target.processRoots(), ticks) - cpuBefore;
  const hwm = target.singleProcess ? highWaterMarkMb(target.singleProcess) : undefined;
  return {
    messagesPerSecond: load.messages / seconds,
    seconds,
    acceptedPerSecond: load.messages / (acceptSeconds ?? seconds),
    cpuSeconds,
    cpuMsPerMessage: (cpuSeconds * 1000) / load.messages,
    peakRssMb: Math.max(memory.peakRssMb, hwm ?? 0),
    peakPssMb: memory.peakPssMb,
    peakProcesses: memory.peakProcesses,
  };
}

let ticksCache: number | undefined;

/** The kernel's clock ticks per second (USER_HZ), the unit of CPU times in /proc. */
async function clockTicks(): Promise<number> {
  if (ticksCache === undefined) {
    const { stdout } = await run('getconf', ['CLK_TCK']).catch(() => ({ stdout: '100' }));
    ticksCache = Number(stdout.trim()) || 100;
  }
  return ticksCache;
}

/** The table columns of a delivery benchmark (smtp, outbound): `rate` names what the first column counts. */
export function deliveryColumns(rate: string): Column[] {
  return [
    { key: 'messagesPerSecond', label: `msgs/s ${rate}`, decimals: 1 },
    { key: 'seconds', label: 'seconds', decimals: 2 },
    { key: 'acceptedPerSecond', label: 'msgs/s accepted', decimals: 1 },
    { key: 'cpuSeconds', label: 'CPU s', decimals: 1 },
    { key: 'cpuMsPerMessage', label: 'CPU ms/msg', decimals: 2 },
    { key: 'peakRssMb', label: 'peak RSS MiB', decimals: 1 },
    { key: 'peakPssMb', label: 'peak PSS MiB', decimals: 1 },
    { key: 'peakProcesses', label: 'processes', decimals: 0 },
  ];
}
