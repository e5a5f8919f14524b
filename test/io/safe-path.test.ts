/** src/io/safe-path.ts: which directories regcert writes under (issue 9 finding 7). */
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertSafeWriteDir, SYSTEM_LINKS } from '../../src/io/safe-path.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-safepath-');

describe('assertSafeWriteDir', () => {
  it('accepts the temp directory (sticky /tmp) and paths still to be created', async () => {
    await expect(assertSafeWriteDir(path.join(dir, 'not/yet/there'))).resolves.toBeUndefined();
  });

  it("accepts the operating system's own links (here /var/run -> /run) when root owns them", async () => {
    const link = [...SYSTEM_LINKS].find((l) => l === '/var/run');
    expect(link).toBeDefined();
    await expect(assertSafeWriteDir('/var/run/regcert-test-does-not-exist/x')).resolves.toBeUndefined();
  });

  it('refuses any other symbolic link on the way, even one root made in a root-only directory', async () => {
    mkdirSync(path.join(dir, 'real'));
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    await expect(assertSafeWriteDir(path.join(dir, 'link/sub'))).rejects.toMatchObject({ code: 'SYMLINK_IN_PATH', exitCode: 1 });
    await expect(assertSafeWriteDir(path.join(dir, 'link'))).rejects.toMatchObject({ code: 'SYMLINK_IN_PATH' });
  });

  it('refuses a directory others can write without the sticky bit, naming who', async () => {
    for (const [name, mode, who] of [['world', 0o777, 'world'], ['group', 0o770, 'group']] as const) {
      const d = path.join(dir, name);
      mkdirSync(d);
      chmodSync(d, mode);
      await expect(assertSafeWriteDir(path.join(d, 'pki'))).rejects.toMatchObject({ code: 'UNSAFE_DIRECTORY', message: expect.stringContaining(`${who}-writable without the sticky bit`) });
    }
    const sticky = path.join(dir, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    await expect(assertSafeWriteDir(path.join(sticky, 'pki'))).resolves.toBeUndefined();
  });
});
