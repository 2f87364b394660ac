import { registerSecret } from '@swiss-deploy/kit';

/** A URL with its userinfo taken out, and the Basic credentials it stood for. */
export interface UrlWithoutCredentials {
  /** The URL as requested, logged and reported: never with userinfo. */
  url: string;
  /** `Basic …` for the `Authorization` header, when the URL had a user or a password. */
  authorization?: string;
}

/**
 * Takes `user:pass@` out of an http(s) URL and turns it into Basic credentials, as curl does. Node's
 * http client would drop the userinfo silently, and every name, log line and summary cell built from the
 * URL would show the password; so the URL keeps no credentials and the header value is masked.
 */
export function takeUrlCredentials(url: string): UrlWithoutCredentials {
  if (!URL.canParse(url)) return { url };
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url };
  // The userinfo is percent-encoded in the URL; the credentials are its decoded text (curl decodes too).
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  registerSecret(password);
  registerSecret(parsed.password);
  const token = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  registerSecret(token);
  parsed.username = '';
  parsed.password = '';
  // URL.href turns `http://h` into `http://h/`; keep the text as given, less the userinfo.
  const stripped = url.replace(/^(https?:\/\/)[^/?#]*@/i, '$1');
  return { url: URL.canParse(stripped) ? stripped : parsed.href, authorization: `Basic ${token}` };
}

/** `http://user:pass@host` as `http://user:***@host`, for messages about a URL that did not parse. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i, (_whole, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? '';
    return `${scheme}${user}${userinfo.includes(':') ? ':***' : ''}@`;
  });
}

/** Adds the URL's credentials unless the check already sends its own Authorization (which wins, as in curl). */
export function withUrlAuthorization(
  headers: Record<string, string>,
  authorization: string | undefined,
): Record<string, string> {
  if (!authorization || Object.keys(headers).some((name) => name.toLowerCase() === 'authorization'))
    return headers;
  return { ...headers, Authorization: authorization };
}
