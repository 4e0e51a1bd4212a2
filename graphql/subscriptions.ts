import type { EventEmitter } from 'node:events';

/** Events buffered per subscriber before the oldest are dropped (a slow client must not grow memory). */
const MAX_BUFFERED = 1000;

/**
 * An async iterator over events of an emitter, for subscription resolvers. `map` turns an
 * event into a payload or undefined to skip it. The listeners come off as soon as the
 * client unsubscribes (graphql-ws calls `return`), even while nothing is pending.
 */
export function eventStream<T>(
  emitter: EventEmitter,
  events: string[],
  map: (event: string, payload: unknown) => T | undefined,
): AsyncIterableIterator<T> {
  const buffer: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let done = false;
  const handlers = events.map((event) => {
    const handler = (payload: unknown) => {
      if (done) return;
      const value = map(event, payload);
      if (value === undefined) return;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value, done: false });
      } else {
        buffer.push(value);
        if (buffer.length > MAX_BUFFERED) buffer.shift();
      }
    };
    emitter.on(event, handler);
    return [event, handler] as const;
  });
  const finish = (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      for (const [event, handler] of handlers) emitter.off(event, handler);
      buffer.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
    }
    return Promise.resolve({ value: undefined, done: true });
  };
  return {
    next(): Promise<IteratorResult<T>> {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: finish,
    throw(err?: unknown): Promise<IteratorResult<T>> {
      void finish();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * `first` (the current state), then `rest` up to and including the value `isLast` picks; the
 * stream then ends. `first` alone when it is already the last. Unsubscribing ends `rest` too.
 */
export function startThenUntil<T>(first: T, rest: AsyncIterableIterator<T>, isLast: (value: T) => boolean): AsyncIterableIterator<T> {
  let started = false;
  let ended = false;
  const end = async (): Promise<IteratorResult<T>> => {
    ended = true;
    await rest.return?.();
    return { value: undefined, done: true };
  };
  return {
    async next(): Promise<IteratorResult<T>> {
      if (ended) return { value: undefined, done: true };
      const result: IteratorResult<T> = started ? await rest.next() : { value: first, done: false };
      started = true;
      if (result.done) return end();
      if (isLast(result.value)) await end();
      return result;
    },
    return: end,
    async throw(err?: unknown): Promise<IteratorResult<T>> {
      await end();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
