import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '@aicredits/api';
import { timed } from './load.js';

/**
 * This machine's floor for what a guard's reserve is: one HTTP request on loopback answered
 * after one durable write, with none of the service's code in between — `node:http` on both
 * ends, a small JSON body each way, one INSERT through the service's own database connection.
 * Measured in the same run as the guard, it says how much of the guard's figure is the machine.
 */
export interface RoundTripFloor {
  /** `count` round trips one after another; each sample in ms. */
  sample(count: number): Promise<number[]>;
  close(): Promise<void>;
}

export async function startRoundTripFloor(db: Db): Promise<RoundTripFloor> {
  await db.query(
    'CREATE TABLE IF NOT EXISTS bench_round_trip_floor (id bigserial PRIMARY KEY, body text NOT NULL)',
  );
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      db.query<{ id: string }>('INSERT INTO bench_round_trip_floor (body) VALUES ($1) RETURNING id', [body])
        .then(({ rows }) => {
          const answer = JSON.stringify({ id: rows[0]?.id, status: 'held', echo: JSON.parse(body) });
          res.writeHead(201, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(answer),
          });
          res.end(answer);
        })
        .catch((error: unknown) => {
          res.writeHead(500).end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const payload = JSON.stringify({ feature: 'coding_session', estimateMicros: 1_000, ttlSeconds: 300 });
  const roundTrip = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/floor',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 201) reject(new Error(`floor answered ${res.statusCode}: ${text}`));
            else {
              // Parsed as a client parses an answer; the floor keeps that cost too.
              JSON.parse(text);
              resolve();
            }
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return {
    async sample(count) {
      const samples: number[] = [];
      for (let k = 0; k < count; k += 1) samples.push((await timed(roundTrip)).ms);
      return samples;
    },
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
