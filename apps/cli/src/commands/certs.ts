import type { Command } from 'commander';
import { exportSecrets, issueCertificate } from '../up/local-ca';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `distlab certs`: the `--secure` CA of `distlab up` beyond one machine. `issue` signs a server certificate for the
 * names and addresses another machine will be dialled at; `export` copies the CA certificate and the token that
 * machine needs to call the cluster. Both go to the joining machine; the CA's key stays here.
 */
export function certsCommand(program: Command): void {
  const certs = program
    .command('certs')
    .description('issue certificates from the `distlab up --secure` CA and hand its trust to other machines');
  certs
    .command('issue')
    .description('sign a server certificate (server.crt, server.key) for the hosts another machine is reached at')
    .requiredOption('--host <name-or-address>', 'a DNS name or IP address to cover (repeat for more)', collect)
    .requiredOption('--out <dir>', 'where to write server.crt and server.key')
    .option('--secrets-dir <dir>', 'the CA made by `distlab up --secure`', '.distlab/tls')
    .action((options: { host: string[]; out: string; secretsDir: string }) => {
      const { cert, key } = fail(() => issueCertificate(options.secretsDir, options.out, options.host));
      process.stdout.write(`issued ${cert} and ${key} for ${options.host.join(', ')}\n`);
    });
  certs
    .command('export')
    .description("copy the CA certificate and the token (never the CA's key) for another machine")
    .requiredOption('--out <dir>', 'where to write ca.crt and token')
    .option('--secrets-dir <dir>', 'the CA made by `distlab up --secure`', '.distlab/tls')
    .action((options: { out: string; secretsDir: string }) => {
      const { caCert, tokenFile } = fail(() => exportSecrets(options.secretsDir, options.out));
      process.stdout.write(`exported ${caCert} and ${tokenFile}: keep the token secret\n`);
    });
}

/** Runs `action`, turning its error into one line on stderr and exit code 1 (a failure, not a usage error). */
function fail<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    process.stderr.write(`distlab certs: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
