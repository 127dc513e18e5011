import { readFileSync } from 'node:fs';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';

/** A server's TLS files. With `clientCaFile`, clients must present a certificate signed by that CA (mutual TLS). */
export interface ServerTlsFiles {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
}

/** A client's TLS files: the CA that signed the server's certificate, and its own pair for mutual TLS. */
export interface ClientTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export function serverCredentials(tls: ServerTlsFiles | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const clientCa = tls.clientCaFile === undefined ? null : readFileSync(tls.clientCaFile);
  return ServerCredentials.createSsl(
    clientCa,
    [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }],
    clientCa !== null,
  );
}

export function channelCredentials(tls: ClientTlsFiles | undefined): ChannelCredentials {
  if (tls === undefined) return credentials.createInsecure();
  const read = (file: string | undefined) => (file === undefined ? null : readFileSync(file));
  return credentials.createSsl(read(tls.caFile), read(tls.keyFile), read(tls.certFile));
}
