// The SDK's Protocol sorts every incoming message by running zod type guards in turn (response?
// error? request? notification?). For a request the first two fail, and each failure builds a
// ZodError with a stack trace: about a tenth of a tool call's CPU (docs/benchmarks.md). Our HTTP
// transport has already validated every message against JSONRPCMessageSchema, whose variants
// are strict objects, so a message's keys say what it is: `method` and `id` a request, `method`
// alone a notification, neither a response. This hands requests and notifications straight to
// the Protocol's own handlers; responses (rare: answers to server-initiated requests) keep the
// SDK's path. The handlers are private to the SDK, so if they are missing (an SDK upgrade
// renamed them) nothing changes and the SDK's dispatch stays in place.
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  JSONRPCNotification,
  JSONRPCRequest,
  MessageExtraInfo,
} from '@modelcontextprotocol/sdk/types.js';

interface ProtocolDispatch {
  _onrequest?: (request: JSONRPCRequest, extra?: MessageExtraInfo) => void;
  _onnotification?: (notification: JSONRPCNotification) => void;
}

/** `server.connect(transport)`, then direct dispatch (for transports that validate what they deliver). */
export async function connectPrevalidated(server: Server, transport: Transport): Promise<void> {
  await server.connect(transport);
  dispatchValidatedMessages(server, transport);
}

/** Replaces the SDK's dispatch on a connected transport; false (and no change) if it cannot. */
export function dispatchValidatedMessages(server: Server, transport: Transport): boolean {
  const protocol = server as unknown as ProtocolDispatch;
  const sdkOnMessage = transport.onmessage;
  if (
    typeof protocol._onrequest !== 'function' ||
    typeof protocol._onnotification !== 'function' ||
    !sdkOnMessage
  ) {
    return false;
  }
  const onRequest = protocol._onrequest.bind(server);
  const onNotification = protocol._onnotification.bind(server);
  transport.onmessage = (message, extra) => {
    if (!('method' in message)) return sdkOnMessage(message, extra);
    if ('id' in message) onRequest(message, extra);
    else onNotification(message);
  };
  return true;
}
