// The login session: in this tab's sessionStorage only (gone when the tab
// closes or on logout), and never the secret itself: the day's SigV4 signing
// key (sigv4.js) with the access key ID, the region and whether the key is
// the root organisation's.

import { amzDate, deriveSigningKey } from './sigv4.js';

const KEY = 'sos.console.session';

export function currentSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    if (session && session.day === amzDate().slice(0, 8)) return session;
  } catch {
    // unreadable: treated as logged out
  }
  sessionStorage.removeItem(KEY);
  return null;
}

export async function newSession(accessKeyId, secret, region) {
  const day = amzDate().slice(0, 8);
  return { accessKeyId, region, day, signingKey: await deriveSigningKey(secret, day, region),
    root: false };
}

export function saveSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function endSession() {
  sessionStorage.clear();
}
