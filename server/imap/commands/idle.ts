import { AUTHENTICATED, type CommandSpec, bad, ok } from '../session/command-types';

/**
 * RFC 2177. While idling, store events report at once (EXPUNGE included): the view's
 * onPending hook schedules a flush, so a delivery shows up without polling.
 */
export const idleCommands: Record<string, CommandSpec> = {
  IDLE: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.end();
      await s.write('+ idling\r\n');
      const view = s.selected;
      let scheduled = false;
      const report = () => {
        if (scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          if (s.idling && s.selected === view) void s.reportChanges(true);
        });
      };
      s.idling = true;
      if (view) {
        view.onPending = report;
        if (view.hasPending) report();
      }
      try {
        const line = await s.readLine();
        if (line.kind === 'closed') return bad('Connection closed');
        if (line.kind === 'too-long' || line.line.toString('latin1').trim().toUpperCase() !== 'DONE') return bad('Expected DONE');
        return ok('IDLE terminated');
      } finally {
        s.idling = false;
        if (view) view.onPending = undefined;
      }
    },
  },
};
