import { createHmac } from "node:crypto";

/** The secret the test server signs session cookies with (32 bytes or more). */
export const COOKIE_SECRET = "end-to-end tests' cookie secret: not for production";

/**
 * A session cookie's value for `user`, signed as the server signs it: the
 * `cookie` crate's signed jar (HMAC-SHA256 of the value, base64, then the
 * value) with the signing half of the key HKDF-expands from the secret.
 */
export function signedSession(user: string, secret: string = COOKIE_SECRET): string {
  const info = Buffer.from("COOKIE;SIGNED:HMAC-SHA256;PRIVATE:AEAD-AES-256-GCM");
  // HKDF-Expand (the secret is the pseudo-random key): the first 32 bytes.
  const signingKey = createHmac("sha256", secret).update(Buffer.concat([info, Buffer.from([1])])).digest();
  const mac = createHmac("sha256", signingKey).update(user).digest("base64");
  return mac + user;
}
