/** Which system trust store a machine uses, from its platform and /etc/os-release (table). */
import { describe, expect, it } from 'vitest';
import { buildAnchor, detectSystemStore } from '../../src/truststores/index.js';
import { unsafeEntryName } from '../../src/io/bundle.js';
import { createRootCa } from '../../src/core/certificates.js';
import { generatePrivateKey } from '../../src/core/keys.js';
import { buildName } from '../../src/core/names.js';

describe('detectSystemStore', () => {
  it.each<[string, string, string | undefined, string | undefined]>([
    ['Debian 12', 'linux', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n', 'debian'],
    ['Ubuntu (ID_LIKE=debian)', 'linux', 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', 'debian'],
    ['Linux Mint (ID_LIKE="ubuntu debian")', 'linux', 'ID=linuxmint\nID_LIKE="ubuntu debian"\n', 'debian'],
    ['RHEL 9', 'linux', 'ID="rhel"\nID_LIKE="fedora"\n', 'rhel'],
    ['Rocky (ID_LIKE lists rhel)', 'linux', "ID='rocky'\nID_LIKE='rhel centos fedora'\n", 'rhel'],
    ['Fedora', 'linux', 'ID=fedora\n', 'rhel'],
    ['Amazon Linux', 'linux', 'ID="amzn"\nID_LIKE="centos rhel fedora"\n', 'rhel'],
    ['openSUSE Leap', 'linux', 'ID="opensuse-leap"\nID_LIKE="suse opensuse"\n', 'suse'],
    ['SLES', 'linux', 'ID="sles"\nID_LIKE="suse"\n', 'suse'],
    ['Alpine', 'linux', 'ID=alpine\n', 'alpine'],
    ['unknown Linux', 'linux', 'ID=plan9ish\n', undefined],
    ['no os-release', 'linux', undefined, undefined],
    ['a field named like ID inside another value is not ID', 'linux', 'NAME="ID=debian"\nID=arch\n', undefined],
    ['macOS', 'darwin', undefined, 'macos'],
    ['Windows', 'win32', undefined, 'windows'],
    ['FreeBSD', 'freebsd', 'ID=freebsd\n', undefined],
  ])('%s', (_what, platform, osRelease, expected) => {
    expect(detectSystemStore(platform, osRelease)).toBe(expected);
  });
});

describe('buildAnchor', () => {
  it('names the anchor after the SHA-256 of the DER, the same for the same CA', async () => {
    const key = await generatePrivateKey('ecdsa-p256');
    const ca = await createRootCa({ subject: buildName({ cn: 'x' }), key, days: 10 });
    const a = buildAnchor(ca, '/x/ca.crt');
    expect(a.anchorName).toMatch(/^regcert-[0-9a-f]{16}$/);
    expect(a.sha256.startsWith(a.anchorName.slice('regcert-'.length))).toBe(true);
    expect(buildAnchor(ca, '/elsewhere.pem').anchorName).toBe(a.anchorName);
    expect(a.sha1).toMatch(/^[0-9A-F]{40}$/);
  });
});

describe('unsafeEntryName (client bundle zips)', () => {
  it.each<[string, RegExp | undefined]>([
    ['cert.pem', undefined],
    ['sub/dir/file', undefined],
    ['..x', undefined],
    ['', /empty name/],
    ['../evil', /leaves the bundle/],
    ['a/../../evil', /leaves the bundle/],
    ['/etc/passwd', /absolute path/],
    ['C:/Windows/evil', /absolute path/],
    ['a\\..\\evil', /backslash/],
    ['a\u001b[31mred', /control character/],
  ])('%j', (name, expected) => {
    const got = unsafeEntryName(name);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(expected);
  });
});
