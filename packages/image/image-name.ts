import { UserError } from '@swiss-deploy/kit';
import type { ImageName } from './types';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;

/**
 * Parses the `image` input: a repository such as `ghcr.io/swiss/app` or `127.0.0.1:5001/team/app`,
 * without tag or digest (tags come from the rules, the digest from the build).
 */
export function parseImageName(text: string): ImageName {
  const value = text.trim();
  const fail = (problem: string, hint?: string) =>
    new UserError(`Input "image" is "${value}": ${problem}.`, {
      hint: hint ?? 'Give a repository such as ghcr.io/<owner>/<app> or registry.example.ch:5000/team/app.',
    });
  if (value.includes('@'))
    throw fail('it holds a digest', 'Give the repository only; the digest is an output.');
  const parts = value.split('/');
  const first = parts[0] ?? '';
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasHost ? first : 'docker.io';
  const pathParts = hasHost ? parts.slice(1) : parts;
  const last = pathParts[pathParts.length - 1] ?? '';
  if (last.includes(':'))
    throw fail('it holds a tag', 'Give the repository only; tags come from the "tags" rules.');
  if (hasHost && !HOST.test(first)) throw fail(`"${first}" is not a registry host`);
  if (pathParts.length === 0 || pathParts.some((part) => part === ''))
    throw fail('it has an empty path component');
  for (const part of pathParts) {
    if (part !== part.toLowerCase())
      throw fail(
        `"${part}" has upper-case letters`,
        `Registries accept lower case only: ${value.toLowerCase()}`,
      );
    if (!COMPONENT.test(part)) throw fail(`"${part}" is not a valid repository component`);
  }
  const path = !hasHost && pathParts.length === 1 ? `library/${pathParts[0]}` : pathParts.join('/');
  return { registry, path, repository: value };
}

/** The host `docker login` wants for a registry: Docker Hub logs in without a host. */
export function loginHost(registry: string): string | undefined {
  return registry === 'docker.io' || registry === 'index.docker.io' ? undefined : registry;
}
