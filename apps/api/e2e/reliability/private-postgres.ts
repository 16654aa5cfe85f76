import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support.js';

/**
 * A private PostgreSQL 15 cluster in a temporary folder, for the suite that stops and starts
 * the server under load. The machine's shared server is never touched: other suites use it at
 * the same time. PostgreSQL refuses to run as root, so as root the cluster belongs to the
 * `postgres` OS user and is driven through `runuser`.
 */

export const PG_BIN = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const INITDB = join(PG_BIN, 'initdb');
const PG_CTL = join(PG_BIN, 'pg_ctl');

/** Why the suite cannot run here, or null when it can. */
export function privatePostgresUnavailable(): string | null {
  if (!existsSync(INITDB) || !existsSync(PG_CTL)) {
    return `PostgreSQL server binaries not found in ${PG_BIN} (install postgresql-15 or set POSTGRES_BIN_DIR)`;
  }
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) {
    return 'running as root without runuser: cannot start PostgreSQL as the postgres user';
  }
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'pipe' });
    } catch {
      return 'running as root and there is no postgres OS user to own the cluster';
    }
  }
  return null;
}

export class PrivatePostgres {
  readonly dir: string;
  port = 0;
  private readonly asRoot = process.getuid?.() === 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'aicredits-pg-'));
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(binary: string, args: string[]): string {
    const [file, argv] = this.asRoot
      ? ['runuser', ['-u', 'postgres', '--', binary, ...args]]
      : [binary, args];
    return execFileSync(file, argv, { stdio: 'pipe', encoding: 'utf8', timeout: 60_000 });
  }

  async init(): Promise<void> {
    this.port = await freePort();
    if (this.asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(this.dir, uid, gid);
    }
    // --no-sync and fsync=off: this cluster lives for one test; durability across a power loss
    // is not what is tested (a server restart is).
    this.run(INITDB, [
      '-D',
      join(this.dir, 'data'),
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    this.start();
  }

  start(): void {
    this.run(PG_CTL, [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`,
      '-w',
      '-t',
      '30',
      'start',
    ]);
  }

  /** `immediate` is a crash as far as clients are concerned: connections are cut, no goodbyes. */
  stop(mode: 'fast' | 'immediate' = 'immediate'): void {
    this.run(PG_CTL, ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '30', 'stop']);
  }

  /** Stops the server if running and removes the folder; safe to call twice. */
  destroy(): void {
    try {
      if (existsSync(join(this.dir, 'data', 'postmaster.pid'))) this.stop('immediate');
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
