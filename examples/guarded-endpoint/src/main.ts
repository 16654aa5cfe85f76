import { createClient } from '@aicredits/sdk';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const client = createClient({ baseUrl: config.apiUrl, apiKey: config.apiKey });
const app = createApp({ client, workspaceId: config.workspaceId });

serve({ fetch: app.fetch, port: config.port }, ({ port }) => {
  console.log(`guarded endpoint listening on http://localhost:${port}`);
  console.log(
    `try: curl -s -X POST http://localhost:${port}/summarize -H 'content-type: application/json' -H 'x-member-id: <member>' -d '{"prompt":"Explain idempotency keys"}'`,
  );
});
