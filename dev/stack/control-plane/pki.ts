// Keys and certificates for the stack: an RSA service-account key from node:crypto, and
// self-signed TLS certificates made with the openssl CLI (Node has no X.509 writer).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One RSA private key PEM; kube-apiserver accepts it for both the SA key and signing key flags. */
export function writeServiceAccountKey(dir: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = join(dir, 'sa-signer.key');
  writeFileSync(file, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  return file;
}

export interface TlsFiles {
  cert: string;
  key: string;
}

/** A self-signed server certificate for `ips`, `dnsNames` and localhost, valid 7 days (it is its own CA). */
export function writeSelfSignedCert(dir: string, name: string, ips: string[], dnsNames: string[] = []): TlsFiles {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const san = ['DNS:localhost', ...dnsNames.map((dns) => `DNS:${dns}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '7', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`, '-keyout', key, '-out', cert], { stdio: 'pipe' });
  return { cert, key };
}
