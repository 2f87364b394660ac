import { readFileSync } from 'node:fs';
import type * as https from 'node:https';
import * as path from 'node:path';
import { registerSecret } from '@swiss-deploy/kit';

/**
 * The credentials of a kubeconfig that needs no code of its own: a server, its CA, and a client certificate
 * or a bearer token, all in the file or in files next to it. Such a kubeconfig is read here, so a deploy
 * does not load @kubernetes/client-node (half a megabyte, a tenth of a second to parse) to read a few
 * fields. Anything else (exec plugins, auth providers, token files, basic auth, impersonation, proxies,
 * in-cluster accounts, several merged files) and anything this reader does not recognise as plainly
 * well-formed is left to the library, which then also names what is wrong.
 */
export interface PlainKubeconfig {
  server: string;
  contextName: string;
  /** Context names, for the "no such context" message. */
  contexts: string[];
  /** TLS and the Authorization header, put on every request. */
  tls: Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  authorization?: string;
}

const CLUSTER_KEYS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
]);
const USER_KEYS = new Set([
  'token',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
]);

type Entry = Record<string, unknown>;

const isEntry = (value: unknown): value is Entry =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** `name: x, <field>: {…}` entries by name, or undefined when any entry is not of that shape. */
function named(list: unknown, field: string): Map<string, Entry> | undefined {
  if (!Array.isArray(list)) return undefined;
  const byName = new Map<string, Entry>();
  for (const item of list) {
    if (!isEntry(item) || !text(item.name) || !isEntry(item[field])) return undefined;
    byName.set(item.name, item[field]);
  }
  return byName;
}

/**
 * Registers every credential of the file for masking, whatever its length and whichever user the context
 * picks, as the library path does: a 6-character password is still a password.
 */
function maskUsers(users: Map<string, Entry>): void {
  for (const user of users.values()) {
    for (const key of ['token', 'password', 'client-key-data'])
      if (typeof user[key] === 'string') registerSecret(user[key], { anyLength: true });
    const exec = user.exec as { env?: unknown } | undefined;
    for (const variable of Array.isArray(exec?.env) ? exec.env : [])
      if (isEntry(variable) && typeof variable.value === 'string')
        registerSecret(variable.value, { anyLength: true });
    const provider = user['auth-provider'] as { config?: unknown } | undefined;
    for (const value of Object.values(isEntry(provider?.config) ? provider.config : {}))
      if (typeof value === 'string') registerSecret(value, { anyLength: true });
  }
}

/** A file's bytes (relative paths from the kubeconfig's folder) or base64 data; the file wins, as in kubectl. */
function bytes(dir: string, file: unknown, data: unknown): Buffer | undefined {
  if (text(file)) return readFileSync(path.resolve(dir, file));
  if (text(data)) return Buffer.from(data, 'base64');
  return undefined;
}

/**
 * The credentials of `doc` (the kubeconfig `file` as data) when it is a plain kubeconfig (see
 * PlainKubeconfig), with `context` instead of its current-context when given; undefined when the library
 * must read it. Its credentials are registered for masking either way, before anything can print them.
 */
export function readPlainKubeconfig(
  file: string,
  doc: unknown,
  context?: string,
): PlainKubeconfig | undefined {
  if (!isEntry(doc)) return undefined;
  const clusters = named(doc.clusters, 'cluster');
  const users = named(doc.users, 'user');
  const contexts = named(doc.contexts, 'context');
  if (!clusters || !users || !contexts) return undefined;
  maskUsers(users);
  const contextName = context ?? doc['current-context'];
  if (!text(contextName)) return undefined;
  const chosen = contexts.get(contextName);
  if (!chosen) {
    // A context the file does not have: the caller names it with the list (or the library, for no current-context).
    return context === undefined
      ? undefined
      : { server: '', contextName, contexts: [...contexts.keys()], tls: {} };
  }
  if (Object.keys(chosen).some((key) => !['cluster', 'user', 'namespace'].includes(key))) return undefined;
  const cluster = text(chosen.cluster) ? clusters.get(chosen.cluster) : undefined;
  const user = text(chosen.user) ? users.get(chosen.user) : undefined;
  if (!cluster || !user) return undefined;
  if (Object.keys(cluster).some((key) => !CLUSTER_KEYS.has(key))) return undefined;
  if (Object.keys(user).some((key) => !USER_KEYS.has(key))) return undefined;
  const server = cluster.server;
  const insecure = cluster['insecure-skip-tls-verify'];
  if (insecure !== undefined && typeof insecure !== 'boolean') return undefined;
  // Plain HTTP only with verification off, as the library allows (a local test server).
  if (!text(server) || !(/^https:\/\//i.test(server) || (insecure && /^http:\/\//i.test(server))))
    return undefined;
  const dir = path.dirname(path.resolve(file));
  let tls: PlainKubeconfig['tls'];
  try {
    const ca = bytes(dir, cluster['certificate-authority'], cluster['certificate-authority-data']);
    const cert = bytes(dir, user['client-certificate'], user['client-certificate-data']);
    const key = bytes(dir, user['client-key'], user['client-key-data']);
    if (Boolean(cert) !== Boolean(key)) return undefined;
    tls = {
      ...(ca ? { ca } : {}),
      ...(cert && key ? { cert, key } : {}),
      ...(insecure ? { rejectUnauthorized: false } : {}),
      ...(text(cluster['tls-server-name']) ? { servername: cluster['tls-server-name'] } : {}),
    };
    if (key) registerSecret(key.toString('utf8'), { anyLength: true });
  } catch {
    return undefined;
  }
  const token = user.token;
  if (token !== undefined && !text(token)) return undefined;
  if (!token && !tls.cert) return undefined;
  return {
    server,
    contextName,
    contexts: [...contexts.keys()],
    tls,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}
