import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { credentials, loadPackageDefinition, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { WORKSPACE_ROOT } from './processes';

/**
 * A client that knows nothing of distlab's contracts: everything it learns comes from the server's reflection
 * service, as grpcurl's `list` and `describe` do. Tests use it to prove that reflection alone is enough.
 */
export class ReflectionOnlyClient {
  private readonly stub: Client & { ServerReflectionInfo(): ClientDuplexStream<object, ReflectionResponse> };
  private readonly files = new Map<string, FileDescriptorProto>();

  constructor(address: string) {
    const definition = loadSync(
      join(WORKSPACE_ROOT, 'node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'),
      { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
    );
    const loaded = loadPackageDefinition(definition) as unknown as {
      grpc: {
        reflection: { v1: { ServerReflection: new (address: string, creds: unknown) => ReflectionOnlyClient['stub'] } };
      };
    };
    this.stub = new loaded.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
  }

  close(): void {
    this.stub.close();
  }

  /** Like `grpcurl list`. */
  async listServices(): Promise<string[]> {
    const response = await this.ask({ list_services: '' });
    return (response.list_services_response?.service ?? []).map((service) => service.name).sort();
  }

  /**
   * Like `grpcurl describe SYMBOL`: fetches the file defining the symbol and, transitively, every file it imports,
   * and returns a registry built from those descriptors alone.
   */
  async describe(symbol: string): Promise<FileRegistry> {
    const response = await this.ask({ file_containing_symbol: symbol });
    await this.addFiles(response);
    return createFileRegistry(this.fileSet());
  }

  private async addFiles(response: ReflectionResponse): Promise<void> {
    if (response.error_response) {
      throw new Error(
        `reflection error ${response.error_response.error_code}: ${response.error_response.error_message}`,
      );
    }
    for (const bytes of response.file_descriptor_response?.file_descriptor_proto ?? []) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      this.files.set(file.name, file);
      for (const dependency of file.dependency) {
        if (!this.files.has(dependency)) await this.addFiles(await this.ask({ file_by_filename: dependency }));
      }
    }
  }

  /** The files fetched so far, each after the files it imports (the order a registry is built in). */
  private fileSet() {
    const ordered: FileDescriptorProto[] = [];
    const visit = (name: string) => {
      const file = this.files.get(name);
      if (file === undefined || ordered.includes(file)) return;
      file.dependency.forEach(visit);
      ordered.push(file);
    };
    [...this.files.keys()].forEach(visit);
    return { $typeName: 'google.protobuf.FileDescriptorSet' as const, file: ordered };
  }

  private ask(request: Record<string, string>): Promise<ReflectionResponse> {
    return new Promise((resolve, reject) => {
      const stream = this.stub.ServerReflectionInfo();
      stream.once('data', (response: ReflectionResponse) => {
        resolve(response);
        stream.end();
      });
      stream.once('error', reject);
      stream.write(request);
    });
  }
}

interface ReflectionResponse {
  list_services_response?: { service: Array<{ name: string }> };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

/** The result of one `buf curl` run. */
export interface CurlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `buf curl` (the buf CLI's gRPC client, shipped with the @bufbuild/buf package) against a plaintext server.
 * Given no schema, it resolves every type through server reflection, so it is a reflection-only client too.
 */
export function bufCurl(args: readonly string[], input?: string): Promise<CurlResult> {
  const buf = join(WORKSPACE_ROOT, 'node_modules', '.bin', 'buf');
  return new Promise((resolve) => {
    const child = execFile(
      buf,
      ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args],
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ exitCode, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}
