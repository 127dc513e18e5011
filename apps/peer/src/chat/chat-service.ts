import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ChatRequest, ChatResponse, ChatServiceServer } from '@distlab/contracts/chat/v1/chat';
import { Code, createHandlers, limitText, requireText, StatusError, type Logger } from '@distlab/grpc-kit';
import { ChatRooms, RoomFullError, UserTakenError, type Membership, type MemberOutlet } from './chat-rooms';

const ROOM_MAX = 100;
const USER_MAX = 100;
const TEXT_MAX = 4096;

/**
 * The chat service's one status mapping. Definite failures only: the session ends and nothing after the error was
 * delivered.
 * - UserTakenError → ALREADY_EXISTS: pick another name, or wait for the other session to leave.
 * - RoomFullError → RESOURCE_EXHAUSTED: the room has reached its capacity.
 * (Validation and protocol-order errors are decided where they are detected, as StatusErrors.)
 */
function chatErrorToStatus(error: unknown): StatusError | undefined {
  if (error instanceof UserTakenError) return new StatusError(Code.ALREADY_EXISTS, error.message);
  if (error instanceof RoomFullError) return new StatusError(Code.RESOURCE_EXHAUSTED, error.message);
  return undefined;
}

export interface ChatServiceOptions {
  logger: Logger;
  rooms?: ChatRooms;
  /** Events that may wait in one member's outgoing buffer before it is dropped as too slow. */
  maxPendingEvents?: number;
}

/**
 * Broadcast chat over one bidirectional stream per member: `join` first, then `post`s. A member whose client does not
 * read fast enough is dropped with RESOURCE_EXHAUSTED once `maxPendingEvents` wait in its buffer, so that a stalled
 * client never holds a room (or the server's memory) hostage.
 */
export function chatService(options: ChatServiceOptions): { implementation: ChatServiceServer; drain(): void } {
  const rooms = options.rooms ?? new ChatRooms();
  const handlers = createHandlers({ logger: options.logger, mapError: chatErrorToStatus });
  const maxPendingEvents = options.maxPendingEvents ?? 1000;
  const sessions = new Set<(status: StatusError) => void>();

  const chat = (call: ServerDuplexStream<ChatRequest, ChatResponse>) => {
    let membership: Membership | undefined;
    let ended = false;
    const end = (status: StatusError | undefined, reason: string) => {
      if (ended) return;
      ended = true;
      sessions.delete(endWith);
      membership?.leave(reason);
      if (status === undefined) {
        call.end();
      } else if (!call.cancelled) {
        call.emit('error', status.toStatus());
      }
    };
    const endWith = (status: StatusError) => end(status, `dropped: ${status.message}`);
    sessions.add(endWith);

    const outlet: MemberOutlet = {
      deliver: (event) => {
        if (ended) return true;
        call.write(event);
        return call.writableLength <= maxPendingEvents;
      },
      drop: (why) => endWith(new StatusError(Code.RESOURCE_EXHAUSTED, `dropped from the room: ${why}`)),
    };

    call.on('data', (request: ChatRequest) => {
      if (ended) return;
      try {
        membership = handle(request, membership, outlet);
      } catch (error) {
        endWith(handlers.statusOf(error));
      }
    });
    call.on('end', () => end(undefined, 'left'));
    call.on('cancelled', () => end(undefined, 'cancelled'));
    call.on('error', () => end(undefined, 'cancelled'));
  };

  function handle(request: ChatRequest, membership: Membership | undefined, outlet: MemberOutlet): Membership {
    const action = request.action;
    switch (action?.$case) {
      case 'join': {
        if (membership !== undefined) {
          throw new StatusError(
            Code.FAILED_PRECONDITION,
            `already joined room "${membership.room}" as "${membership.user}"`,
          );
        }
        const room = requireText(action.value.room, 'join.room', { max: ROOM_MAX });
        const user = requireText(action.value.user, 'join.user', { max: USER_MAX });
        return rooms.join(room, user, outlet);
      }
      case 'post': {
        if (membership === undefined) {
          throw new StatusError(Code.FAILED_PRECONDITION, 'post before join: the first message must be a join');
        }
        const text = limitText(action.value.text, 'post.text', TEXT_MAX);
        if (text.length === 0) throw new StatusError(Code.INVALID_ARGUMENT, 'post.text must not be empty');
        membership.post(text);
        return membership;
      }
      default:
        throw new StatusError(Code.INVALID_ARGUMENT, 'a chat message must set join or post');
    }
  }

  return {
    implementation: { chat },
    drain: () => {
      for (const endSession of [...sessions]) endSession(new StatusError(Code.UNAVAILABLE, 'server shutting down'));
    },
  };
}
