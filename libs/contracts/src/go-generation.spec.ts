import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@distlab/testing';

// Go clients come from proto/ through buf's managed mode (buf.gen.go.yaml): every file gets a go_package under one
// prefix, though proto/ names none, and the generated messages and gRPC clients compile as packages under that
// prefix. The project builds no Go of
// its own: this runs where Go and its protobuf and gRPC plugins and libraries are installed (Debian: golang-go,
// golang-goprotobuf-dev, protoc-gen-go-grpc, golang-google-grpc-dev, golang-google-protobuf-dev), and is skipped,
// saying why, elsewhere.

const GO_PATH_DEBIAN = '/usr/share/gocode';

function missingTools(): string | undefined {
  const which = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  for (const tool of ['go', 'protoc-gen-go', 'protoc-gen-go-grpc']) if (!which(tool)) return `${tool} is not on PATH`;
  for (const library of ['google.golang.org/grpc', 'google.golang.org/protobuf'])
    if (!existsSync(join(GO_PATH_DEBIAN, 'src', library))) return `${library} is not in ${GO_PATH_DEBIAN}`;
  return undefined;
}

const missing = missingTools();
const itIfGo = missing === undefined ? it : it.skip;
if (missing !== undefined) console.warn(`Go generation test skipped: ${missing}`);

itIfGo(
  'generates Go messages and clients for every contract under the managed go_package prefix, and they compile',
  () => {
    const scratch = mkdtempSync(join(tmpdir(), 'distlab-go-'));
    try {
      execFileSync(process.execPath, ['tools/proto.mjs', 'go', '--out', join(scratch, 'out')], {
        cwd: WORKSPACE_ROOT,
        stdio: 'pipe',
      });
      const greeter = readFileSync(
        join(scratch, 'out', 'gen', 'go', 'distlab', 'greeter', 'v1', 'greeter.pb.go'),
        'utf8',
      );
      expect(greeter).toContain('package greeterv1');
      // GOPATH mode over Debian's Go libraries: no module download.
      const source = join(scratch, 'gopath', 'src', 'distlab.example');
      mkdirSync(source, { recursive: true });
      cpSync(join(scratch, 'out', 'gen'), join(source, 'gen'), { recursive: true });
      const build = spawnSync('go', ['build', './...'], {
        cwd: join(source, 'gen', 'go'),
        env: {
          ...process.env,
          GO111MODULE: 'off',
          GOPATH: `${join(scratch, 'gopath')}:${GO_PATH_DEBIAN}`,
          GOCACHE: join(tmpdir(), 'distlab-go-cache'),
          GOFLAGS: '',
        },
        encoding: 'utf8',
      });
      expect({ status: build.status, output: build.stderr }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
  300_000,
);
