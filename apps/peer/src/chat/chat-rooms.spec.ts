import type { ChatResponse } from '@distlab/contracts/chat/v1/chat';
import { ChatRooms, RoomFullError, UserTakenError, type MemberOutlet } from './chat-rooms';

class RecordingOutlet implements MemberOutlet {
  readonly events: ChatResponse[] = [];
  dropped: string | undefined;
  constructor(private readonly capacity = Infinity) {}
  deliver(event: ChatResponse): boolean {
    this.events.push(event);
    return this.events.length <= this.capacity;
  }
  drop(reason: string): void {
    this.dropped = reason;
  }
  kinds(): string[] {
    return this.events.map((event) => `${event.event?.$case}:${JSON.stringify(event.event?.value)}`);
  }
}

describe('ChatRooms', () => {
  it('tells a joiner who is there, and the others that it joined', () => {
    const rooms = new ChatRooms();
    const ada = new RecordingOutlet();
    const bob = new RecordingOutlet();
    rooms.join('lab', 'ada', ada);
    rooms.join('lab', 'bob', bob);
    expect(bob.kinds()).toEqual(['joined:{"user":"bob","members":["ada","bob"]}']);
    expect(ada.kinds()).toEqual(['joined:{"user":"ada","members":["ada"]}', 'memberJoined:{"user":"bob"}']);
  });

  it('delivers a post to every other member, not back to its sender, numbering the room’s events', () => {
    const rooms = new ChatRooms();
    const ada = new RecordingOutlet();
    const bob = new RecordingOutlet();
    const carol = new RecordingOutlet();
    const adaIn = rooms.join('lab', 'ada', ada);
    rooms.join('lab', 'bob', bob);
    rooms.join('lab', 'carol', carol);
    adaIn.post('hello');
    expect(bob.kinds().at(-1)).toBe('messagePosted:{"user":"ada","text":"hello"}');
    expect(carol.kinds().at(-1)).toBe('messagePosted:{"user":"ada","text":"hello"}');
    expect(ada.kinds()).not.toContain('messagePosted:{"user":"ada","text":"hello"}');
    expect(carol.events.map((event) => event.sequence)).toEqual(['3', '4']);
    expect(ada.events.map((event) => event.sequence)).toEqual(['1', '2', '3']);
  });

  it('keeps rooms apart', () => {
    const rooms = new ChatRooms();
    const ada = new RecordingOutlet();
    const bob = new RecordingOutlet();
    rooms.join('one', 'ada', ada).post('in one');
    rooms.join('two', 'bob', bob);
    expect(bob.kinds()).toEqual(['joined:{"user":"bob","members":["bob"]}']);
  });

  it('announces a leave with its reason and forgets an empty room', () => {
    const rooms = new ChatRooms();
    const ada = new RecordingOutlet();
    const bob = rooms.join('lab', 'bob', new RecordingOutlet());
    rooms.join('lab', 'ada', ada);
    bob.leave('left');
    bob.leave('left');
    expect(ada.kinds().filter((kind) => kind.startsWith('memberLeft'))).toEqual([
      'memberLeft:{"user":"bob","reason":"left"}',
    ]);
    expect(rooms.summary()).toEqual(new Map([['lab', 1]]));
    rooms.join('lab', 'bob', new RecordingOutlet()).leave('left');
    expect(rooms.summary()).toEqual(new Map([['lab', 1]]));
  });

  it('refuses a user name already in the room, and a full room', () => {
    const rooms = new ChatRooms(2);
    rooms.join('lab', 'ada', new RecordingOutlet());
    expect(() => rooms.join('lab', 'ada', new RecordingOutlet())).toThrow(UserTakenError);
    rooms.join('lab', 'bob', new RecordingOutlet());
    expect(() => rooms.join('lab', 'carol', new RecordingOutlet())).toThrow(RoomFullError);
  });

  it('drops a member that cannot keep up, after the broadcast, and tells the others', () => {
    const rooms = new ChatRooms();
    const slow = new RecordingOutlet(2);
    const ada = new RecordingOutlet();
    const slowMembership = rooms.join('lab', 'slow', slow);
    const adaIn = rooms.join('lab', 'ada', ada);
    slow.drop = (reason) => {
      slow.dropped = reason;
      slowMembership.leave(`dropped: ${reason}`);
    };
    adaIn.post('one');
    expect(slow.dropped).toContain('too slow');
    expect(ada.kinds().at(-1)).toMatch(/^memberLeft:\{"user":"slow","reason":"dropped: too slow/);
  });
});
