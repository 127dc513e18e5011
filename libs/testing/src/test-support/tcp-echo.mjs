// A TCP echo for the netns test, run inside a namespace: `server HOST PORT` answers every line with "echo <line>";
// `client HOST PORT` sends each stdin line over one connection and prints what comes back.
import { createConnection, createServer } from 'node:net';
import { createInterface } from 'node:readline';

const [role, host, port] = process.argv.slice(2);
if (role === 'server') {
  createServer((socket) => {
    createInterface({ input: socket }).on('line', (line) => socket.write(`echo ${line}\n`));
    socket.on('error', () => undefined);
  }).listen(Number(port), host, () => console.log('listening'));
} else {
  const socket = createConnection({ host, port: Number(port) }, () => console.log('connected'));
  createInterface({ input: socket }).on('line', (line) => console.log(line));
  createInterface({ input: process.stdin }).on('line', (line) => socket.write(`${line}\n`));
  socket.on('error', (error) => console.log(`error ${error.message}`));
}
