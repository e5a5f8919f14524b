/**
 * A pool of client certificates as `issue --batch` would have made it with
 * the clock at `now` (files NAME.crt/NAME.key in `out`, recorded in the CA
 * directory's inventory), so tests can make a pool that is due today. Built
 * with the product's own builder (core/cert-builder.ts) and inventory entries
 * (core/inventory.ts buildEntry from the parsed certificate).
 */
import { createPrivateKey } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLeafSigner, encodeName } from '../../src/core/cert-builder.js';
import { issuerOf, parseCertificates } from '../../src/core/certificates.js';
import { buildEntry, serializeInventory } from '../../src/core/inventory.js';
import { generateEncodedKeyPairSync } from '../../src/core/keys.js';
import { buildName } from '../../src/core/names.js';
import { toPem } from '../../src/core/pem.js';
import { entryFiles } from '../../src/io/inventory.js';

export function makePoolAt(caDir: string, names: readonly string[], opts: { now: Date; days: number; out: string }): void {
  const cert = parseCertificates(new Uint8Array(readFileSync(path.join(caDir, 'ca.crt'))))[0]!;
  const key = createPrivateKey(readFileSync(path.join(caDir, 'ca.key'))); // a plain PKCS#8 key, as init-ca writes it
  const sign = createLeafSigner(issuerOf({ cert, key }));
  mkdirSync(opts.out, { recursive: true });
  const entries = names.map((name) => {
    const pair = generateEncodedKeyPairSync('ecdsa-p256');
    const leaf = sign(
      { subject: encodeName(buildName({ cn: name })), spki: pair.spki, publicKeyBits: pair.publicKeyBits, rsa: false, server: false, client: true, sans: [{ type: 'email', value: `${name}@example.com` }], days: opts.days },
      { now: opts.now },
    );
    const crt = path.join(opts.out, `${name}.crt`);
    const keyPath = path.join(opts.out, `${name}.key`);
    writeFileSync(crt, toPem('CERTIFICATE', leaf.der));
    writeFileSync(keyPath, pair.pkcs8Pem, { mode: 0o600 });
    return buildEntry(parseCertificates(leaf.der)[0]!, { name, files: entryFiles(caDir, crt, keyPath), source: 'batch', now: opts.now, days: opts.days });
  });
  appendFileSync(path.join(caDir, 'inventory.jsonl'), serializeInventory(entries));
}
