import { status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { ChatServiceClient, type ChatRequest, type ChatResponse } from '@distlab/contracts/chat/v1/chat';
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';
import { createClient, silentLogger, unaryCall, type RunningServer } from '@distlab/grpc-kit';
import { startPeer } from '../peer-server';

let server: RunningServer;
let chat: ChatServiceClient;

beforeAll(async () => {
  server = await startPeer({
    id: 1,
    server: { host: '127.0.0.1', port: 0 },
    logger: silentLogger(),
    chatMaxPendingEvents: 20,
  });
  chat = createClient(ChatServiceClient, server.address);
});

afterAll(async () => {
  chat.close();
  await server.shutdown(0);
});

/** One client-side chat session: what it received, and how its stream ended. */
class Session {
  readonly events: ChatResponse[] = [];
  readonly ended: Promise<{ code: number; details: string }>;
  readonly stream: ClientDuplexStream<ChatRequest, ChatResponse>;
  private waiters: Array<() => void> = [];

  constructor() {
    this.stream = chat.chat();
    this.stream.on('data', (event: ChatResponse) => {
      this.events.push(event);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.ended = new Promise((resolve) => {
      this.stream.on('error', (error: ServiceError) => resolve({ code: error.code, details: error.details }));
      this.stream.on('end', () => resolve({ code: status.OK, details: '' }));
    });
  }

  static async join(room: string, user: string): Promise<Session> {
    const session = new Session();
    session.send({ action: { $case: 'join', value: { room, user } } });
    await session.until((events) => events.some((event) => event.event?.$case === 'joined'));
    return session;
  }

  send(request: ChatRequest): void {
    this.stream.write(request);
  }

  post(text: string): void {
    this.send({ action: { $case: 'post', value: { text } } });
  }

  /** Waits (at most 10 s) until the received events satisfy `condition`. */
  async until(condition: (events: ChatResponse[]) => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!condition(this.events)) {
      if (Date.now() > deadline) throw new Error(`condition not met; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  lines(): string[] {
    return this.events.flatMap((event) =>
      event.event?.$case === 'messagePosted' ? [`${event.event.value.user}: ${event.event.value.text}`] : [],
    );
  }
}

const posted = (text: string) => (events: ChatResponse[]) =>
  events.some((event) => event.event?.$case === 'messagePosted' && event.event.value.text === text);

describe('ChatService.Chat', () => {
  it('delivers each line to the other members of the room, who see joins and leaves', async () => {
    const ada = await Session.join('lab', 'ada');
    const bob = await Session.join('lab', 'bob');
    expect(bob.events[0].event).toEqual({ $case: 'joined', value: { user: 'bob', members: ['ada', 'bob'] } });
    await ada.until((events) => events.some((event) => event.event?.$case === 'memberJoined'));

    ada.post('hello bob');
    bob.post('hello ada');
    await bob.until(posted('hello bob'));
    await ada.until(posted('hello ada'));
    expect(bob.lines()).toEqual(['ada: hello bob']);
    expect(ada.lines()).toEqual(['bob: hello ada']);

    bob.stream.end();
    expect(await bob.ended).toEqual({ code: status.OK, details: '' });
    await ada.until((events) => events.some((event) => event.event?.$case === 'memberLeft'));
    expect(ada.events.at(-1)?.event).toEqual({ $case: 'memberLeft', value: { user: 'bob', reason: 'left' } });
    ada.stream.end();
  });

  it('answers FAILED_PRECONDITION to a post before joining', async () => {
    const session = new Session();
    session.post('too early');
    expect(await session.ended).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'post before join: the first message must be a join',
    });
  });

  it('answers FAILED_PRECONDITION to a second join', async () => {
    const session = await Session.join('lab2', 'ada');
    session.send({ action: { $case: 'join', value: { room: 'other', user: 'ada' } } });
    expect(await session.ended).toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('already joined'),
    });
  });

  it('answers ALREADY_EXISTS to a user name taken in the room, and frees it when its owner leaves', async () => {
    const first = await Session.join('lab3', 'ada');
    const second = new Session();
    second.send({ action: { $case: 'join', value: { room: 'lab3', user: 'ada' } } });
    expect(await second.ended).toMatchObject({ code: status.ALREADY_EXISTS });
    first.stream.end();
    await first.ended;
    const third = await Session.join('lab3', 'ada');
    third.stream.end();
  });

  it.each([
    [
      'an empty room',
      { action: { $case: 'join' as const, value: { room: ' ', user: 'ada' } } },
      'join.room must not be empty',
    ],
    [
      'an empty user',
      { action: { $case: 'join' as const, value: { room: 'lab', user: '' } } },
      'join.user must not be empty',
    ],
    ['a message with neither join nor post', {}, 'a chat message must set join or post'],
  ])('answers INVALID_ARGUMENT to %s', async (_case, request, details) => {
    const session = new Session();
    session.send(request as ChatRequest);
    expect(await session.ended).toEqual({ code: status.INVALID_ARGUMENT, details });
  });

  it('answers INVALID_ARGUMENT to an empty or over-long line', async () => {
    const empty = await Session.join('lab4', 'ada');
    empty.post('');
    expect(await empty.ended).toEqual({ code: status.INVALID_ARGUMENT, details: 'post.text must not be empty' });
    const long = await Session.join('lab4', 'bob');
    long.post('x'.repeat(4097));
    expect(await long.ended).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'post.text must have at most 4096 characters (got 4097)',
    });
  });

  it('answers RESOURCE_EXHAUSTED to a message over the size limit, and the server keeps serving', async () => {
    const session = await Session.join('lab5', 'ada');
    session.post('x'.repeat(5 * 1024 * 1024));
    expect(await session.ended).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    const greeter = createClient(GreeterServiceClient, server.address);
    await expect(unaryCall(greeter, 'sayHello', { name: 'still here' })).resolves.toBeDefined();
    greeter.close();
  });

  it('drops a member that stops reading, with RESOURCE_EXHAUSTED, while the room goes on', async () => {
    const stalled = await Session.join('lab6', 'stalled');
    stalled.stream.pause();
    const ada = await Session.join('lab6', 'ada');
    const bob = await Session.join('lab6', 'bob');
    const line = 'y'.repeat(4000);
    for (let sent = 0; sent < 400 && !ada.events.some((event) => event.event?.$case === 'memberLeft'); sent += 1) {
      ada.post(line);
      if (sent % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await bob.until((events) => events.some((event) => event.event?.$case === 'memberLeft'));
    const left = bob.events.find((event) => event.event?.$case === 'memberLeft')?.event;
    expect(left).toMatchObject({ value: { user: 'stalled', reason: expect.stringContaining('too slow') } });
    stalled.stream.resume();
    expect(await stalled.ended).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: expect.stringContaining('too slow'),
    });
    ada.post('after the drop');
    await bob.until(posted('after the drop'));
    ada.stream.end();
    bob.stream.end();
  });

  it('ends every session with UNAVAILABLE when the server shuts down', async () => {
    const own = await startPeer({ id: 2, server: { host: '127.0.0.1', port: 0 }, logger: silentLogger() });
    const client = createClient(ChatServiceClient, own.address);
    const stream = client.chat();
    const ended = new Promise<number>((resolve) => stream.on('error', (error: ServiceError) => resolve(error.code)));
    stream.on('data', () => undefined);
    stream.write({ action: { $case: 'join', value: { room: 'lab', user: 'ada' } } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await own.shutdown(5000);
    expect(await ended).toBe(status.UNAVAILABLE);
    client.close();
  });
});
