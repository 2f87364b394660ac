import * as http from 'node:http';
import * as https from 'node:https';
import { UserError, WorldError, formatDuration, registerSecret } from '@swiss-deploy/kit';
import { parseImageName } from './image-name';
import type { ImageName } from './types';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
export const DEFAULT_VERIFY_TIMEOUT_MS = 30_000;

/** An image by digest, the only form a promotion takes: `ghcr.io/acme/shop@sha256:…`. */
export interface DigestReference extends ImageName {
  digest: string;
  /** `repository@digest`, as given. */
  imageRef: string;
}

/**
 * Parses an `image-ref` input: a repository and a digest, never a tag, since a tag can point somewhere
 * else by the time the next environment deploys it.
 */
export function parseDigestReference(text: string, inputName = 'image-ref'): DigestReference {
  const value = text.trim();
  const fail = (problem: string, hint: string) =>
    new UserError(`Input "${inputName}" is "${value}": ${problem}.`, { hint });
  const at = value.indexOf('@');
  if (at < 0) {
    const tagged = /:[^/]+$/.test(value);
    throw fail(
      tagged ? 'it names a tag, not a digest' : 'it has no digest',
      'Promote the image by digest, repo@sha256:<64 hex>, e.g. the image-ref output of build-image: a tag can move between environments.',
    );
  }
  const repository = value.slice(0, at);
  const digest = value.slice(at + 1);
  if (/:[^/]+$/.test(repository))
    throw fail(
      'it names a tag and a digest',
      'Give repo@sha256:<64 hex> alone: the tag is ignored by registries and misleads readers.',
    );
  if (!DIGEST.test(digest))
    throw fail(
      `"${digest}" is not a sha256 digest`,
      'A digest is sha256: followed by 64 lower-case hex digits.',
    );
  let name: ImageName;
  try {
    name = parseImageName(repository);
  } catch (error) {
    throw fail(
      `the repository "${repository}" is not valid: ${(error as Error).message}`,
      'Give repo@sha256:<64 hex>.',
    );
  }
  return { ...name, digest, imageRef: `${repository}@${digest}` };
}

export interface VerifyOptions {
  username?: string;
  password?: string;
  /** One deadline for the whole check: the manifest request and any token exchange. */
  timeoutMs?: number;
}

/** What the registry said about the manifest. */
export interface VerifiedDigest {
  imageRef: string;
  mediaType: string;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** localhost and loopback registries speak plain HTTP (as Docker allows); every other one HTTPS. */
function baseUrl(registry: string): string {
  const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  const plain = /^(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])(?::\d+)?$/.test(host);
  return `${plain ? 'http' : 'https'}://${host}`;
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Answer> {
  const target = new URL(url);
  const transport = target.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      { method, headers: { 'User-Agent': 'swiss-deploy', ...headers }, signal },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 65_536) body += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
function challenge(
  header: string | undefined,
): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const [scheme = '', ...rest] = header.trim().split(/\s+/);
  const params: Record<string, string> = {};
  for (const match of rest.join(' ').matchAll(/([a-zA-Z]+)="([^"]*)"/g))
    params[match[1]!.toLowerCase()] = match[2]!;
  return { scheme: scheme.toLowerCase(), params };
}

/**
 * Checks with a manifest HEAD that the registry holds the digest, answering the registry's auth challenge
 * (Basic, or a Bearer token from its token service) with the given credentials. A missing digest or a
 * refused login is the user's to fix; a registry that does not answer in time is the world's.
 */
export async function verifyImageDigest(
  reference: DigestReference,
  options: VerifyOptions = {},
): Promise<VerifiedDigest> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const basic =
    options.username && options.password
      ? `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
      : undefined;
  registerSecret(basic, { anyLength: true });
  const url = `${baseUrl(reference.registry)}/v2/${reference.path}/manifests/${reference.digest}`;
  const head = (authorization?: string) =>
    send(
      url,
      'HEAD',
      { Accept: MANIFEST_TYPES, ...(authorization ? { Authorization: authorization } : {}) },
      controller.signal,
    );
  try {
    let answer = await head();
    if (answer.status === 401) {
      const asked = challenge(answer.headers['www-authenticate'] as string | undefined);
      let authorization = basic;
      if (asked?.scheme === 'bearer' && asked.params.realm) {
        const tokenUrl = new URL(asked.params.realm);
        if (asked.params.service) tokenUrl.searchParams.set('service', asked.params.service);
        tokenUrl.searchParams.set('scope', asked.params.scope ?? `repository:${reference.path}:pull`);
        const issued = await send(
          tokenUrl.toString(),
          'GET',
          basic ? { Authorization: basic } : {},
          controller.signal,
        );
        if (issued.status === 200) {
          const { token, access_token: accessToken } = JSON.parse(issued.body) as {
            token?: string;
            access_token?: string;
          };
          const bearer = token ?? accessToken;
          registerSecret(bearer, { anyLength: true });
          authorization = bearer ? `Bearer ${bearer}` : undefined;
        } else {
          authorization = undefined;
        }
      }
      if (authorization) answer = await head(authorization);
    }
    if (answer.status === 401 || answer.status === 403) {
      throw new UserError(
        `The registry ${reference.registry} refused to show ${reference.imageRef} (HTTP ${answer.status}).`,
        {
          hint: 'Pass registry credentials that may pull the repository (registry-username and the registry-password secret). Nothing was deployed.',
        },
      );
    }
    if (answer.status === 404) {
      throw new UserError(
        `Input "image-ref" is "${reference.imageRef}": the registry ${reference.registry} has no manifest with that digest.`,
        {
          hint: "Promote a digest an earlier environment deployed (the pipeline's image-ref output); it may have been deleted or pushed to another repository. Nothing was deployed.",
        },
      );
    }
    if (answer.status !== 200) {
      throw new WorldError(
        `The registry ${reference.registry} answered HTTP ${answer.status} for the manifest of ${reference.imageRef}.`,
        {
          untouched: 'everything: nothing was deployed',
        },
      );
    }
    const served = answer.headers['docker-content-digest'];
    if (typeof served === 'string' && served !== reference.digest) {
      throw new WorldError(`The registry ${reference.registry} served ${served} for ${reference.imageRef}.`, {
        untouched: 'everything: nothing was deployed',
        hint: 'The registry (or a proxy in front of it) does not serve content by digest; check its address.',
      });
    }
    return { imageRef: reference.imageRef, mediaType: String(answer.headers['content-type'] ?? '') };
  } catch (error) {
    if (controller.signal.aborted) {
      throw new WorldError(
        `The registry ${reference.registry} did not answer for ${reference.imageRef} within ${formatDuration(timeoutMs)}.`,
        {
          untouched: 'everything: nothing was deployed',
          hint: 'Check the registry address and that the runner can reach it, then run again.',
        },
      );
    }
    if (error instanceof UserError || error instanceof WorldError) throw error;
    throw new WorldError(`Could not reach the registry ${reference.registry}: ${(error as Error).message}`, {
      untouched: 'everything: nothing was deployed',
    });
  } finally {
    clearTimeout(timer);
  }
}
