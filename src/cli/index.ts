#!/usr/bin/env node
/**
 * Entry point of the command line (dist/cli/index.js, the package's `azure-token` bin). The
 * flags are parsed before anything else is loaded: `--help`, `--version` and a bad flag never
 * load the core (the build puts main.js in a chunk of its own, loaded by the dynamic import).
 */
import packageJson from '../../package.json' with { type: 'json' };
import { parseFlags, UsageError } from './flags.js';
import { cliLog } from './log.js';
import { usageText } from './usage.js';

// A closed pipe on stdout is reported by the write's callback (main.ts): not a crash.
process.stdout.on('error', () => {});

process.exitCode = await main(process.argv.slice(2));

async function main(argv: readonly string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    cliLog(text => process.stderr.write(text), { quiet: false, verbose: false, redact: text => text }).error(error.message);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(usageText());
    return 0;
  }
  if (flags.version) {
    // Inlined by the build from package.json, the one place the version lives.
    process.stdout.write(`${packageJson.version}\n`);
    return 0;
  }
  const { run } = await import('./main.js');
  return run(flags);
}
