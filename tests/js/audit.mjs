// Runs the graphql-http server audit against a running server and fails on
// any MUST that errors or any SHOULD that warns.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
let passed = 0;
const failures = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  if (result.status === 'ok') {
    passed += 1;
  } else if (result.status === 'error' || (result.status === 'warn' && !audit.name.startsWith('MAY'))) {
    failures.push(`${result.status.toUpperCase()} ${audit.name}: ${result.reason}`);
  } else {
    passed += 1;
  }
  if (result.response && result.response.body && !result.response.bodyUsed) {
    try { await result.response.body.cancel(); } catch {}
  }
}
for (const line of failures) console.log(line);
console.log(`audit: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
