// Subscribes with the graphql-ws client (graphql-transport-ws protocol),
// prints READY once the server acknowledged the connection, then prints the
// first update as one JSON line and exits.
// Usage: node subscribe.mjs ws://127.0.0.1:PORT/graphql/ws TOKEN MEETING_ID
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, meetingId] = process.argv.slice(2);
const timer = setTimeout(() => {
  console.error('timed out');
  process.exit(3);
}, 15000);

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: { connected: () => setTimeout(() => console.log('READY'), 300) },
});

const subscription = client.iterate({
  query: `subscription($id: ID!) { meetingUpdates(meetingId: $id) { cursor kind payload meeting { code } } }`,
  variables: { id: meetingId },
});

for await (const result of subscription) {
  console.log(JSON.stringify(result));
  clearTimeout(timer);
  await client.dispose();
  process.exit(result.errors ? 1 : 0);
}
