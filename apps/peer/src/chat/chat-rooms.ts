import type { ChatResponse } from '@distlab/contracts/chat/v1/chat';

/**
 * Chat rooms: who is in which room, and fan-out of events to members. No gRPC here: a member is anything that can
 * take an event and be dropped; the service adapts streams to it. Rooms exist while they have members; each room
 * numbers its events so that clients can see gaps.
 */

/** A member's outlet: `deliver` returns false when the member cannot keep up (its buffer is full). */
export interface MemberOutlet {
  deliver(event: ChatResponse): boolean;
  /** Ends the member's session because it fell behind. */
  drop(reason: string): void;
}

export class UserTakenError extends Error {
  constructor(
    readonly room: string,
    readonly user: string,
  ) {
    super(`user "${user}" is already in room "${room}"`);
  }
}

export class RoomFullError extends Error {
  constructor(
    readonly room: string,
    readonly capacity: number,
  ) {
    super(`room "${room}" is full (${capacity} members)`);
  }
}

type EventBody = NonNullable<ChatResponse['event']>;

class Room {
  readonly members = new Map<string, MemberOutlet>();
  private sequence = 0;

  constructor(readonly name: string) {}

  /** Moves the room's history on by one event and returns its position. */
  advance(): number {
    this.sequence += 1;
    return this.sequence;
  }

  event(sequence: number, body: EventBody): ChatResponse {
    return { room: this.name, sequence: String(sequence), eventTime: new Date(), event: body };
  }
}

/** A member's handle on its room: post and leave. */
export interface Membership {
  readonly room: string;
  readonly user: string;
  post(text: string): void;
  leave(reason: string): void;
}

export class ChatRooms {
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly capacity = 1000) {}

  /** Joins `user` to `room`; the outlet first gets `joined`, then the room's events. */
  join(roomName: string, user: string, outlet: MemberOutlet): Membership {
    const room = this.rooms.get(roomName) ?? new Room(roomName);
    if (room.members.has(user)) throw new UserTakenError(roomName, user);
    if (room.members.size >= this.capacity) throw new RoomFullError(roomName, this.capacity);
    this.rooms.set(roomName, room);
    room.members.set(user, outlet);
    // The joiner's `joined` and the others' `memberJoined` tell of the same event, so they share its position: every
    // member then sees consecutive sequence numbers from its join on, and a gap means a lost event.
    const sequence = room.advance();
    outlet.deliver(room.event(sequence, { $case: 'joined', value: { user, members: [...room.members.keys()] } }));
    this.broadcast(room, user, room.event(sequence, { $case: 'memberJoined', value: { user } }));
    let left = false;
    return {
      room: roomName,
      user,
      post: (text) => {
        if (!left)
          this.broadcast(room, user, room.event(room.advance(), { $case: 'messagePosted', value: { user, text } }));
      },
      leave: (reason) => {
        if (left) return;
        left = true;
        room.members.delete(user);
        if (room.members.size === 0) {
          this.rooms.delete(roomName);
        } else {
          this.broadcast(room, user, room.event(room.advance(), { $case: 'memberLeft', value: { user, reason } }));
        }
      },
    };
  }

  /** Room names and their member counts. */
  summary(): Map<string, number> {
    return new Map([...this.rooms].map(([name, room]) => [name, room.members.size]));
  }

  /** Every member's outlet, for shutting down. */
  outlets(): MemberOutlet[] {
    return [...this.rooms.values()].flatMap((room) => [...room.members.values()]);
  }

  /** Sends an event to every member but `exceptUser`; members that cannot keep up are dropped afterwards. */
  private broadcast(room: Room, exceptUser: string, event: ChatResponse): void {
    const laggards: MemberOutlet[] = [];
    for (const [user, outlet] of room.members) {
      if (user !== exceptUser && !outlet.deliver(event)) laggards.push(outlet);
    }
    for (const outlet of laggards) outlet.drop('too slow: its outgoing buffer is full');
  }
}
