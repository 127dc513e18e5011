/**
 * @distlab/testing: helpers for integration tests that use real processes and sockets. Never imported by production
 * code.
 */
export {
  DISTLAB_BIN,
  spawnDistlab,
  spawnTypeScript,
  startServerProcess,
  startPeerProcess,
  SpawnedProcess,
  WORKSPACE_ROOT,
  type ServerProcessHandle,
} from './processes';
export { hasOpenssl, makeTestCertificates, type TestCertificates } from './certificates';
export { ReflectionOnlyClient, bufCurl, type CurlResult } from './reflection-client';
export { startPostgres, postgresUnavailableReason, POSTGRES_BIN, type TestPostgres } from './postgres';
export { runLoad, percentile, formatTable, seededRandom, type LoadSpec, type LoadResult } from './load';
export { freePort, freePortRange, waitForServing, startQuietServerProcess, stopProcesses } from './ports';
export { PeerCluster, type PeerClusterOptions } from './peer-cluster';
export { VirtualNetwork, netnsUnavailableReason, type VirtualHost, type VirtualNetworkOptions } from './netns';
export { AgentProbe, type ProbeAnswer, type ProbeRequest } from './netns-probe';
export { serveProbeRequests } from './netns-agent-loop';
export { silentLinkProxy, type SilentLinkProxy } from './silent-link-proxy';
export { startPostgresOnHost, type NetworkPostgres, type PostgresAccount } from './netns-postgres';
export { cpuTimeMs, cpuTimeMsOf, measurePhase, type MeasuredPhase } from './cpu';
export {
  fuzzService,
  fuzzInChildProcess,
  formatFuzzReports,
  fuzzRequestCount,
  fuzzTimeoutMs,
  FUZZ_REQUESTS_MAX,
  type FuzzOptions,
  type FuzzReport,
} from './fuzz';
export { hostileMessage, fuzzInput } from './fuzz-messages';
export { parsePrometheusText, scrapeMetrics, type Scrape, type MetricSample } from './prometheus';
export {
  bareRicartAgrawala,
  BareRicartAgrawala,
  WARM_UP_CYCLES,
  type BareFigures,
  type ContendedPhase,
  type PhaseMeasurer,
} from './bare-ricart-agrawala';
