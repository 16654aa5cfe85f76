import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The only module that reads `process.env`. Validated once at start; every bad variable gets its
 * own message so an operator can fix them all in one go.
 */
const LogLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevelSchema>;

const flag = z
  .enum(['1', '0', 'true', 'false', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true');

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    CREDITS_PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
    CREDITS_HOST: z.string().min(1).default('127.0.0.1'),
    CREDITS_DATA_DIR: z.string().min(1).default('.data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    CREDITS_PLATFORM_KEY: z
      .string()
      .regex(/^ak_platform_[A-Za-z0-9_-]{16,}$/, 'must look like ak_platform_<at least 16 characters>')
      .optional(),
    CREDITS_TEST_CLOCK: flag,
    CREDITS_LOG_LEVEL: LogLevelSchema.default('info'),
    CREDITS_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(262_144),
    /**
     * Per API key token bucket (per replica): sustained requests per second and the burst above
     * it. Generous by default so real callers and load tests never meet it; 0 turns it off.
     */
    CREDITS_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(0).max(1_000_000).default(5_000),
    CREDITS_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
    CREDITS_TOPUP_MIN_MICROS: z.coerce.number().int().min(10_000).default(5_000_000),
    CREDITS_TOPUP_MAX_MICROS: z.coerce
      .number()
      .int()
      .min(10_000)
      .max(Number.MAX_SAFE_INTEGER)
      .default(10_000_000_000),
    STRIPE_SECRET_KEY: z.string().min(1).optional(),
    STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
    STRIPE_API_BASE: z.string().url().optional(),
    /** A built web dashboard (apps/dashboard/dist) to serve at /dashboard/. */
    CREDITS_DASHBOARD_DIR: z
      .string()
      .min(1)
      .refine(
        (dir) => existsSync(join(dir, 'index.html')),
        'must be a folder with an index.html (build the dashboard first)',
      )
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.CREDITS_TEST_CLOCK) {
      ctx.addIssue({
        code: 'custom',
        path: ['CREDITS_TEST_CLOCK'],
        message: 'the test clock cannot be enabled when NODE_ENV=production',
      });
    }
    if (env.NODE_ENV === 'production' && env.STRIPE_SECRET_KEY === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_SECRET_KEY'],
        message: 'production refuses no-payment mode: set STRIPE_SECRET_KEY',
      });
    }
    if (env.STRIPE_SECRET_KEY !== undefined && env.STRIPE_WEBHOOK_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_WEBHOOK_SECRET'],
        message: 'required with STRIPE_SECRET_KEY (payments are confirmed by signed webhooks)',
      });
    }
    if (env.CREDITS_TOPUP_MIN_MICROS > env.CREDITS_TOPUP_MAX_MICROS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CREDITS_TOPUP_MIN_MICROS'],
        message: 'must not exceed CREDITS_TOPUP_MAX_MICROS',
      });
    }
  });

export interface ServiceConfig {
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  host: string;
  /** Embedded database folder, or `memory://` for an in-memory database. */
  dataDir: string;
  databaseUrl: string | null;
  platformKey: string | null;
  testClock: boolean;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  /** Token bucket per API key: refill rate (0 = no limit) and bucket size. */
  rateLimit: { perSecond: number; burst: number };
  topupMinMicros: number;
  topupMaxMicros: number;
  stripe: { secretKey: string | null; webhookSecret: string | null; apiBase: string | null };
  /** Absolute path of a static dashboard served at /dashboard/, or `null` to serve none. */
  dashboardDir: string | null;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses an environment (defaults to `process.env`); throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServiceConfig {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    port: e.CREDITS_PORT,
    host: e.CREDITS_HOST,
    dataDir: e.CREDITS_DATA_DIR,
    databaseUrl: e.DATABASE_URL ?? null,
    platformKey: e.CREDITS_PLATFORM_KEY ?? null,
    testClock: e.CREDITS_TEST_CLOCK,
    logLevel: e.CREDITS_LOG_LEVEL,
    bodyLimitBytes: e.CREDITS_BODY_LIMIT_BYTES,
    rateLimit: { perSecond: e.CREDITS_RATE_LIMIT_PER_SECOND, burst: e.CREDITS_RATE_LIMIT_BURST },
    topupMinMicros: e.CREDITS_TOPUP_MIN_MICROS,
    topupMaxMicros: e.CREDITS_TOPUP_MAX_MICROS,
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY ?? null,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET ?? null,
      apiBase: e.STRIPE_API_BASE ?? null,
    },
    dashboardDir: e.CREDITS_DASHBOARD_DIR === undefined ? null : resolve(e.CREDITS_DASHBOARD_DIR),
  };
}
