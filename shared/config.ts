/** Function configuration, read once from the environment. */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { AGENT_ROLES, DEFAULT_LOGINS, type AgentRole } from './play';
import { parseTokenList, stripBearer } from './http/trigger-token-file';

export type CorrelationMode = 'strict' | 'either';

export interface GitHubCredentials {
  readonly token?: string;
  readonly app?: { readonly appId: string; readonly privateKey: string };
  readonly baseUrl?: string;
}

export interface Config {
  readonly port: number;
  readonly namespace: string;
  /** From TRIGGER_TOKENS: fixed for the life of the process. */
  readonly triggerTokens: readonly string[];
  /** TRIGGER_TOKENS_FILE: re-read while running (shared/http/trigger-token-file.ts). */
  readonly triggerTokensFile?: string;
  readonly webhookSecrets: readonly string[];
  readonly allowUnauthenticated: boolean;
  readonly github: GitHubCredentials;
  readonly logins: Readonly<Record<AgentRole, readonly string[]>>;
  readonly dryRun: boolean;
  readonly bodyLimitBytes: number;
  readonly correlation: CorrelationMode;
  readonly retryAfterSeconds: number;
  readonly logLevel: string;
}

/** Where Kubernetes mounts the Pod's namespace, next to its ServiceAccount token. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A configuration the function refuses to start with. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const flag = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((value) => value === 'true' || value === '1');

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a positive integer, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

const EnvSchema = z.object({
  PORT: positiveInt(8080),
  NAMESPACE: z.string().regex(NAMESPACE_NAME, 'must be a namespace name').optional(),
  TRIGGER_TOKENS: z.string().optional(),
  TRIGGER_TOKENS_FILE: z.string().optional(),
  GITHUB_WEBHOOK_SECRETS: z.string().optional(),
  ALLOW_UNAUTHENTICATED: flag,
  GITHUB_TOKEN: z.string().optional(),
  GITHUB_APP_ID: z.string().regex(/^[0-9]+$/, 'must be a numeric App ID').optional(),
  GITHUB_APP_PRIVATE_KEY: z.string().optional(),
  GITHUB_APP_PRIVATE_KEY_FILE: z.string().optional(),
  GITHUB_API_URL: z.url().optional(),
  REX_LOGINS: z.string().optional(),
  CLEO_LOGINS: z.string().optional(),
  TESS_LOGINS: z.string().optional(),
  DRY_RUN: flag,
  BODY_LIMIT_BYTES: positiveInt(5 * 1024 * 1024),
  CORRELATION_MODE: z.enum(['strict', 'either']).default('strict'),
  RETRY_AFTER_SECONDS: positiveInt(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Env = Readonly<Record<string, string | undefined>>;

function readSecretFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${variable}=${path} cannot be read: ${(error as Error).message}`);
  }
}

/** NAMESPACE unset: the Pod's own namespace when running in a cluster, else `argo`. */
function podNamespace(file: string): string {
  let content: string;
  try {
    content = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'argo';
    throw new ConfigError(`NAMESPACE is unset and ${file} cannot be read: ${(error as Error).message}`);
  }
  if (!NAMESPACE_NAME.test(content)) throw new ConfigError(`NAMESPACE is unset and ${file} does not hold a namespace name`);
  return content;
}

/**
 * Reads and checks the environment; throws ConfigError with an actionable message.
 * `namespaceFile` is where NAMESPACE comes from when unset (tests point it elsewhere).
 */
export function loadConfig(env: Env = process.env, namespaceFile: string = SERVICE_ACCOUNT_NAMESPACE_FILE): Config {
  const parsed = EnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;

  const triggerTokens = list(e.TRIGGER_TOKENS).map(stripBearer);
  // Read once here so a missing or empty file stops the start; the function re-reads it while running.
  const fileTokens = e.TRIGGER_TOKENS_FILE ? parseTokenList(readSecretFile(e.TRIGGER_TOKENS_FILE, 'TRIGGER_TOKENS_FILE')) : [];
  const webhookSecrets = list(e.GITHUB_WEBHOOK_SECRETS);
  if (triggerTokens.length + fileTokens.length === 0 && webhookSecrets.length === 0 && !e.ALLOW_UNAUTHENTICATED) {
    throw new ConfigError(
      'refusing to start without authentication: set TRIGGER_TOKENS (or TRIGGER_TOKENS_FILE) for Sensor calls ' +
        'and/or GITHUB_WEBHOOK_SECRETS for direct GitHub delivery; ALLOW_UNAUTHENTICATED=true is for local work only',
    );
  }

  let privateKey = e.GITHUB_APP_PRIVATE_KEY;
  if (!privateKey && e.GITHUB_APP_PRIVATE_KEY_FILE) {
    privateKey = readSecretFile(e.GITHUB_APP_PRIVATE_KEY_FILE, 'GITHUB_APP_PRIVATE_KEY_FILE');
  }
  if (e.GITHUB_APP_ID && !privateKey) {
    throw new ConfigError('GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY nor GITHUB_APP_PRIVATE_KEY_FILE is');
  }
  if (privateKey && !e.GITHUB_APP_ID) {
    throw new ConfigError('a GitHub App private key is set but GITHUB_APP_ID is not');
  }

  const logins = Object.fromEntries(
    AGENT_ROLES.map((role) => {
      const configured = list(env[`${role.toUpperCase()}_LOGINS`]);
      return [role, configured.length > 0 ? configured : DEFAULT_LOGINS[role]];
    }),
  ) as Record<AgentRole, readonly string[]>;

  return {
    port: e.PORT,
    namespace: e.NAMESPACE ?? podNamespace(namespaceFile),
    triggerTokens,
    triggerTokensFile: e.TRIGGER_TOKENS_FILE,
    webhookSecrets,
    allowUnauthenticated: e.ALLOW_UNAUTHENTICATED,
    github: {
      token: e.GITHUB_TOKEN || undefined,
      app: e.GITHUB_APP_ID && privateKey ? { appId: e.GITHUB_APP_ID, privateKey: privateKey.replace(/\\n/g, '\n') } : undefined,
      baseUrl: e.GITHUB_API_URL,
    },
    logins,
    dryRun: e.DRY_RUN,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    correlation: e.CORRELATION_MODE,
    retryAfterSeconds: e.RETRY_AFTER_SECONDS,
    logLevel: e.LOG_LEVEL,
  };
}

export function hasGitHubCredentials(github: GitHubCredentials): boolean {
  return Boolean(github.token || github.app);
}
