import { BootstrapError, parseBootstrap } from '../config/bootstrap';
import { Engine } from '../engine';

const USAGE = `usage: pillarbox <command> [options]

commands:
  start        run the engine (flags: --data-dir, --hostname, --bind, --smtp-port, ... or PILLARBOX_* variables)
  help         show this text
`;

async function start(argv: string[]): Promise<void> {
  const options = parseBootstrap(argv);
  const engine = new Engine(options, {
    echoLogs: true,
    onFirstStart: ({ username, password, generated }) => {
      if (generated) {
        process.stdout.write(
          `\nFirst start: the management account is "${username}" with password:\n\n    ${password}\n\n` +
            `Log in at http://${options.bind === '0.0.0.0' ? options.hostname : options.bind}:${options.ports.http}/graphql\n\n`,
        );
      }
    },
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    engine.stop().then(() => process.exit(0), () => process.exit(1));
  });
  process.on('SIGINT', () => process.emit('SIGTERM'));
  process.on('SIGHUP', () => void engine.reload());
  const ports = await engine.start();
  process.stdout.write(`pillarbox ready: ${JSON.stringify(ports)}\n`);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'start':
      return start(rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`pillarbox: unknown command "${command}"\n${USAGE}`);
      process.exitCode = 2;
  }
}

main().catch((err) => {
  if (err instanceof BootstrapError) {
    process.stderr.write(`pillarbox: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`pillarbox: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
