import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { Command } from 'commander';
import type { ServiceError } from '@grpc/grpc-js';
import { ChatResponse, ChatServiceClient } from '@distlab/contracts/chat/v1/chat';
import { codeName, createClient } from '@distlab/grpc-kit';
import { CliContext, describeFailure } from '../context';
import { peerAddress } from './peer-clients';

/** One chat event as a line of text. */
export function formatChatEvent(event: ChatResponse): string {
  const body = event.event;
  switch (body?.$case) {
    case 'joined':
      return `joined ${event.room} as ${body.value.user}; members: ${body.value.members.join(', ')}`;
    case 'memberJoined':
      return `* ${body.value.user} joined`;
    case 'memberLeft':
      return `* ${body.value.user} left (${body.value.reason})`;
    case 'messagePosted':
      return `${body.value.user}: ${body.value.text}`;
    default:
      return `? unknown event #${event.sequence}`;
  }
}

/**
 * `distlab chat`: joins a room and posts each line typed. Interactive on a terminal (a prompt; others' lines appear
 * above it); with --script, or when stdin is not a terminal, it posts each stdin line and prints each event as a line
 * (or a JSON document with --json), and leaves when stdin ends.
 */
export function chatCommand(program: Command): void {
  program
    .command('chat')
    .description('join a chat room on a peer and talk (ChatService.Chat)')
    .requiredOption('--room <room>', 'the room to join')
    .requiredOption('--user <user>', 'your name in the room')
    .option('--script', 'no prompt: post stdin lines, print events as lines (the default when stdin is not a terminal)')
    .action(async (options: { room: string; user: string; script?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      let address: string;
      try {
        // Peer 1 where the registry says it is, with --registry (a cluster on other machines); else the layout's.
        address = context.hasRegistry ? await peerAddress(context, 1) : context.target(context.ports.peer(1));
      } catch (error) {
        const { code, message } = describeFailure(error);
        process.stderr.write(`error: ${code}: ${message}\n`);
        process.exitCode = 1;
        return;
      }
      const interactive = !options.script && process.stdin.isTTY === true;
      const client = createClient(ChatServiceClient, address, context.clientSettings());
      const stream = client.chat();
      const input = createInterface({
        input: process.stdin,
        output: interactive ? process.stdout : undefined,
        terminal: interactive,
      });

      const show = (line: string) => {
        if (!interactive) {
          process.stdout.write(`${line}\n`);
          return;
        }
        clearLine(process.stdout, 0);
        cursorTo(process.stdout, 0);
        process.stdout.write(`${line}\n`);
        input.prompt(true);
      };

      stream.on('data', (event: ChatResponse) => {
        show(context.json ? JSON.stringify(ChatResponse.toJSON(event)) : formatChatEvent(event));
      });
      stream.on('error', (error: ServiceError) => {
        const message = context.json
          ? JSON.stringify({ error: { code: codeName(error.code), message: error.details } })
          : `error: ${codeName(error.code)}: ${error.details}`;
        process.stderr.write(`${message}\n`);
        process.exitCode = 1;
        input.close();
        client.close();
      });
      stream.on('end', () => {
        input.close();
        client.close();
      });

      stream.write({ action: { $case: 'join', value: { room: options.room, user: options.user } } });
      if (interactive) {
        input.setPrompt(`${options.user}> `);
        input.prompt();
      }
      input.on('line', (line) => {
        if (line.length > 0) stream.write({ action: { $case: 'post', value: { text: line } } });
        if (interactive) input.prompt();
      });
      // End of input (Ctrl-D, or the end of a script's stdin) leaves the room; the server then ends the stream.
      input.on('close', () => stream.end());
    });
}
