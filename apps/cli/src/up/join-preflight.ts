import { readFileSync } from 'node:fs';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { Code, codeName, createClient, isServiceError, unaryCall } from '@distlab/grpc-kit';

/** What the joining process will call the registry with. */
export interface RegistryCredentials {
  tlsCa?: string;
  tokenFile?: string;
}

/**
 * How long the one look at the registry may take before joining gives up: long enough for a registry on a machine
 * that is busy (5 s was not, on a two-core machine running the whole test suite beside other work), short enough that
 * a registry that is not there is reported while the user still waits for it.
 */
const PREFLIGHT_DEADLINE_MS = 15_000;

/**
 * One call to the cluster's registry with the credentials the joining process will use, before it starts: a peer
 * that cannot register would otherwise start, retry in the background and never be found. Returns undefined when the
 * registry answers; otherwise a message saying what is wrong and what to pass, as a secured cluster (`distlab up
 * --secure`) refuses a machine without its CA and token.
 */
export async function checkRegistry(registry: string, credentials: RegistryCredentials): Promise<string | undefined> {
  const token = credentials.tokenFile === undefined ? undefined : readFileSync(credentials.tokenFile, 'utf8').trim();
  const client = createClient(RegistryServiceClient, registry, {
    tls: credentials.tlsCa === undefined ? undefined : { caFile: credentials.tlsCa },
    token,
    maxAttempts: 1,
    deadlineMs: PREFLIGHT_DEADLINE_MS,
  });
  try {
    await unaryCall(client, 'lookup', { name: 'distlab.greeter.v1.GreeterService' });
    return undefined;
  } catch (error) {
    return explain(registry, credentials, error);
  } finally {
    client.close();
  }
}

const CERTS_HINT =
  "get them from the cluster's machine (`distlab certs export --out DIR` and `distlab certs issue --host <this " +
  "machine's address> --out DIR`) and pass --certs DIR";

function explain(registry: string, credentials: RegistryCredentials, error: unknown): string {
  if (!isServiceError(error)) return `the registry at ${registry} could not be asked: ${String(error)}`;
  if (error.code === Code.UNAUTHENTICATED)
    return credentials.tokenFile === undefined
      ? `the cluster at ${registry} requires its token: ${CERTS_HINT}`
      : `the cluster at ${registry} refused the token in ${credentials.tokenFile}: it belongs to another cluster; ${CERTS_HINT}`;
  if (error.code === Code.UNAVAILABLE || error.code === Code.DEADLINE_EXCEEDED)
    return credentials.tlsCa === undefined
      ? `the registry at ${registry} does not answer plaintext calls (${error.details}): is the balancer running ` +
          `there? If the cluster is secured (distlab up --secure), it needs its CA and token: ${CERTS_HINT}`
      : `the registry at ${registry} does not answer over TLS with the CA ${credentials.tlsCa} (${error.details}): ` +
          "is the balancer running there, and is that CA the cluster's own?";
  return `the registry at ${registry} answered ${codeName(error.code)}: ${error.details}`;
}
