/**
 * A stand-in xkeeper for the crash test: starts the core adapter from the JSON in argv[2]
 * ({ config, state }), prints "READY <core pid>", then idles until it is killed with -9.
 */
import { createCore, type CoreAdapterConfig, type DesiredCoreState } from '../../src/core/index.ts';
import { silent } from './fixtures.ts';

const { config, state } = JSON.parse(process.argv[2] ?? '{}') as {
  config: CoreAdapterConfig;
  state: DesiredCoreState;
};
const core = createCore({ config, logger: silent, getDesiredState: () => state });
await core.start();
const status = await core.status();
process.stdout.write(`READY ${status.pid}\n`);
setInterval(() => undefined, 60_000);
