// GitHub App authentication as the fake GitHub checks it (test/fakes/fake-github.ts), following GitHub's docs
// "Generating a JSON Web Token (JWT) for a GitHub App" and "Authenticating as a GitHub App installation":
// the App signs a JWT (RS256, iss = App ID, exp at most 10 minutes ahead) with its private key and sends it as
// `Authorization: Bearer <JWT>` to the /app routes and GET /repos/{owner}/{repo}/installation; POST
// /app/installations/{id}/access_tokens trades it for an installation token (one hour), which the other routes
// accept as `token <t>` or `Bearer <t>`. @octokit/auth-app (universal-github-app-jwt) makes exactly these calls.
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';

export interface FakeGitHubApp {
  /** The App ID: a JWT's `iss` (a number or its decimal string, as GitHub takes either). */
  readonly id: string;
  /** The App's public key: JWTs must be signed with its private key. */
  readonly publicKey: KeyObject | string;
  /** The one installation of the App, on every repository. Default 1. */
  readonly installationId?: number;
}

/** Why a JWT or token is refused: GitHub answers 401 with a message. */
export interface Refusal {
  readonly status: 401;
  readonly message: string;
}

/** GitHub's longest JWT lifetime. */
const MAX_JWT_SECONDS = 600;
/** An installation token's lifetime on GitHub. */
const INSTALLATION_TOKEN_SECONDS = 3600;

const refusal = (message: string): Refusal => ({ status: 401, message });
const decodeJson = (part: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The credential of an Authorization header: `token <t>` or `Bearer <t>` (any case), else undefined. */
export function credentialOf(authorization: string | undefined): string | undefined {
  return /^(?:token|bearer)\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/** Checks an App JWT: RS256 signed by the App's key, iss = its ID, issued in the past, expiring within 10 minutes. */
export function checkAppJwt(jwt: string | undefined, app: FakeGitHubApp, nowSeconds = Math.floor(Date.now() / 1000)): Refusal | undefined {
  const parts = (jwt ?? '').split('.');
  if (parts.length !== 3) return refusal('A JSON web token could not be decoded');
  const [headerPart = '', payloadPart = '', signature = ''] = parts;
  const header = decodeJson(headerPart);
  const payload = decodeJson(payloadPart);
  if (!header || !payload || header.alg !== 'RS256') return refusal('A JSON web token could not be decoded');
  const key = typeof app.publicKey === 'string' ? createPublicKey(app.publicKey) : app.publicKey;
  if (!verify('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signature, 'base64url'))) {
    return refusal('A JSON web token could not be decoded');
  }
  if (String(payload.iss) !== app.id) return refusal(`'Issuer' claim ('iss') must be the ID of this App (fake GitHub: App ${app.id})`);
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > nowSeconds) {
    return refusal("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
  }
  if (typeof exp !== 'number' || exp <= nowSeconds) return refusal("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
  if (exp - nowSeconds > MAX_JWT_SECONDS) return refusal("'Expiration time' claim ('exp') is too far in the future");
  return undefined;
}

export interface InstallationToken {
  readonly token: string;
  readonly expires_at: string;
}

/** The installation tokens minted so far, each valid for an hour. */
export function createInstallationTokens() {
  const expiry = new Map<string, number>();
  return {
    mint(nowMs = Date.now()): InstallationToken {
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      const expiresMs = nowMs + INSTALLATION_TOKEN_SECONDS * 1000;
      expiry.set(token, expiresMs);
      return { token, expires_at: new Date(expiresMs).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    },
    valid(token: string, nowMs = Date.now()): boolean {
      const expiresMs = expiry.get(token);
      return expiresMs !== undefined && nowMs < expiresMs;
    },
  };
}
