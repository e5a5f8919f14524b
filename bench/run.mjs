#!/usr/bin/env node
// `npm run bench` (issue 12): one run, side by side, medians and ratios.
//
//   regcert --version               vs node -e 0
//   regcert issue --client (P-256)  vs openssl req -new + openssl x509 -req
//   regcert quickstart              vs the same steps as 8 openssl processes
//   batch of 1,000 P-256 clients    vs an openssl loop and a cfssl loop
//                                   (the loops run BENCH_LOOP_ROWS rows, default 100, scaled to 1,000)
//   batch of 10,000 (BENCH_BIG_ROWS) peak RSS, and time per certificate vs the 1,000 batch
//   RSA-2048 batch                  certificates per second
//   renew --all of 1,000 and 10,000 due certificates (BENCH_RENEW_ROWS) beside issue --batch of
//                                   the same count, in the same run; peak RSS
//   list --json of 100,000 entries (BENCH_LIST_ROWS) vs node -e reading the inventory with
//                                   JSON.parse per line; peak RSS of both
//   revoke --batch of 1,000 names   (one run: one inventory write, one CRL) beside issue --batch of
//                                   the same 1,000 in the same run, and in an inventory of 100,000
//                                   entries (BENCH_LIST_ROWS, the list section's pool) beside reading it
//                                   with JSON.parse per line; peak RSS
//
// BENCH_ONLY=renew,list (names: startup, issue, quickstart, batch, big, rsa, renew, list, revoke) runs only
// those sections (a reduced run while developing; the full bench runs them all).
//
// Process rows use hyperfine (median of BENCH_RUNS runs, default 15; the rows with a ratio target,
// --version and issue, in BENCH_RUNS rounds of every command, paired: hyperfinePaired); batch
// rows time whole runs (median of BENCH_BATCH_RUNS, default 3), each into a
// fresh directory, files written and fsynced as `issue` writes them. Rows that
// cannot run say why. The load average is printed before and after: numbers
// from a busy machine are not comparable.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'regcert.js');
const node = process.execPath;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BATCH_RUNS = Number(process.env.BENCH_BATCH_RUNS ?? 3);
const LOOP_ROWS = Number(process.env.BENCH_LOOP_ROWS ?? 100);
const BIG = Number(process.env.BENCH_BIG_ROWS ?? 10_000);
process.env.BENCH_PW = 'bench-secret';
const work = mkdtempSync(path.join(tmpdir(), 'regcert-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sh = (script, opts = {}) => execFileSync('bash', ['-c', script], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
const cp = (from, to) => execFileSync('cp', ['-a', from, to], { cwd: work });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = [];
const row = (what, ours, ref, refName, note = '') => rows.push({ what, ours, ref, refName, note });
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const runs = (section) => ONLY === null || ONLY.has(section);

/** One hyperfine run of several commands ([name, command] pairs): its results (command: the name, times, median), from its JSON export. */
function hyperfineResults(commands, { prepare, warmup, runs, shell = false }) {
  const out = path.join(work, 'hf.json');
  const args = ['--warmup', String(warmup), '--runs', String(runs), '--export-json', out, '--style', 'none'];
  if (!shell) args.push('-N');
  if (prepare) args.push('--prepare', prepare);
  for (const [name, cmd] of commands) args.push('--command-name', name, cmd);
  execFileSync('hyperfine', args, { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(out, 'utf8')).results;
}

/** hyperfine medians (seconds) of several commands, in one run. */
function hyperfine(commands, { prepare, runs = RUNS, shell = false } = {}) {
  const r = hyperfineResults(commands, { prepare, warmup: 2, runs, shell });
  return Object.fromEntries(r.map((x) => [x.command, x.median]));
}

/**
 * Like hyperfine(), paired: `runs` rounds, each a short hyperfine run of every command (2 runs
 * each after 1 warm-up, the order turned each round), and the medians of all their times. One
 * long run per command times them minutes apart, and this machine's speed drifts by 10% and more
 * over minutes: a ratio of two such medians drifted with it (1.95x and 2.16x in two runs back to
 * back). Rows whose target is a ratio use this.
 */
function hyperfinePaired(commands, { prepare, runs = RUNS } = {}) {
  const times = Object.fromEntries(commands.map(([name]) => [name, []]));
  for (let round = 0; round < runs; round++) {
    const order = commands.map((_, i) => commands[(i + round) % commands.length]);
    for (const x of hyperfineResults(order, { prepare, warmup: 1, runs: 2 })) times[x.command].push(...x.times);
  }
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, median(t)]));
}

/** Median wall time (s) and peak RSS (KiB) of a command run `runs` times, `prepare` before each. */
const hasTime = has('/usr/bin/time');
function timed(cmd, args, { prepare, runs = BATCH_RUNS } = {}) {
  const times = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    if (prepare) prepare();
    const t = process.hrtime.bigint();
    const r = hasTime
      ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawnSync(cmd, args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    times.push(s);
    rss.push(Number(r.stderr.toString().trim().split('\n').pop()));
  }
  return { seconds: median(times), rssKiB: Math.max(...rss) };
}

function csv(file, n, prefix = 'user') {
  const lines = ['name,sans,profile,days'];
  for (let i = 1; i <= n; i++) lines.push(`${prefix}${i},${prefix}${i}@example.com,client,`);
  writeFileSync(path.join(work, file), `${lines.join('\n')}\n`);
}

console.log(`regcert bench: ${availableParallelism()} cores, node ${process.versions.node}, load average ${load()} (1/5/15 min)`);
if (!has('hyperfine')) {
  console.log('hyperfine is missing (scripts/setup.sh installs it): no rows can run');
  process.exit(2);
}
execFileSync(node, [bin, 'init-ca', '--dir', 'pki'], { cwd: work, stdio: 'ignore' });
writeFileSync(
  path.join(work, 'client.cnf'),
  '[v3]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\nsubjectAltName = email:alice@example.com\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n',
);
writeFileSync(
  path.join(work, 'server.cnf'),
  '[v3]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n',
);
const opensslLeaf = (dir, name, ext, ca = 'pki') =>
  `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ${dir}/${name}.key -subj /CN=${name} -out ${dir}/${name}.csr 2>/dev/null && ` +
  `openssl x509 -req -in ${dir}/${name}.csr -CA ${ca}/ca.crt -CAkey ${ca}/ca.key -set_serial 0x$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n') -days 397 -sha256 -extfile ${ext} -extensions v3 -out ${dir}/${name}.crt 2>/dev/null`;

// 1. Start-up.
if (runs('startup')) {
  const m = hyperfinePaired([
    ['node -e 0', `${node} -e 0`],
    ['regcert --version', `${node} ${bin} --version`],
  ]);
  row('regcert --version', m['regcert --version'], m['node -e 0'], 'node -e 0', 'target <= 1.15x');
}

// 2. One client certificate. Every run issues into the same state, restored before it (hyperfine
// --prepare, not timed): a CA directory holding 20 certificates, `alice` new to it; the --force row
// replaces a current `alice`. (Issuing again and again into one directory would time a growing
// inventory.) NODE_EXTRA_CA_CERTS, when set, costs every Node process its start-up (node -e 0
// included): the last row says what issue costs without it.
if (runs('issue')) {
  mkdirSync(path.join(work, 'one-o'));
  cp('pki', 'ipki');
  for (let i = 0; i < 20; i++) execFileSync(node, [bin, 'issue', `user${i}`, '--dir', 'ipki', '--out-dir', 'ipool', '--client'], { cwd: work, stdio: 'ignore' });
  /** The state a run starts from: the CA directory ipki-run (and, for --force, the current alice in one-r). */
  const restoreScript = (tpl) => `rm -rf ipki-run one-r && cp -a ${tpl} ipki-run${tpl === 'fpki' ? ' && cp -a fone-r one-r' : ''}`;
  const restore = (tpl) => `bash -c "${restoreScript(tpl)}"`;
  const issueCmd = (extra = '') => `${node} ${bin} issue alice --dir ipki-run --out-dir one-r --client --san alice@example.com${extra}`;
  execFileSync('bash', ['-c', `${restoreScript('ipki')} && ${issueCmd()} && mv ipki-run fpki && mv one-r fone-r`], { cwd: work, stdio: 'ignore' });
  writeFileSync(path.join(work, 'one-openssl.sh'), opensslLeaf('one-o', 'alice', 'client.cnf'));
  const m = hyperfinePaired(
    [
      ['regcert issue', issueCmd()],
      ['openssl', 'bash one-openssl.sh'],
      ['node -e 0', `${node} -e 0`],
    ],
    { prepare: restore('ipki') },
  );
  row('issue alice --client (P-256)', m['regcert issue'], m.openssl, 'openssl req + x509 -req', `= ${(m['regcert issue'] / m['node -e 0']).toFixed(2)}x node -e 0 (target <= 2x, issue 21); a new name, CA holding 20`);
  const f = hyperfinePaired(
    [
      ['regcert issue --force', issueCmd(' --force')],
      ['node -e 0', `${node} -e 0`],
    ],
    { prepare: restore('fpki') },
  );
  row('issue alice --client --force (reissue)', f['regcert issue --force'], f['node -e 0'], 'node -e 0', 'replaces the current alice');
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const u = hyperfinePaired(
      [
        ['regcert issue', `env -u NODE_EXTRA_CA_CERTS ${issueCmd()}`],
        ['node -e 0', `env -u NODE_EXTRA_CA_CERTS ${node} -e 0`],
      ],
      { prepare: restore('ipki') },
    );
    row('issue alice --client, NODE_EXTRA_CA_CERTS unset', u['regcert issue'], u['node -e 0'], 'node -e 0, unset too', `it is set here (${process.env.NODE_EXTRA_CA_CERTS}): node -e 0 took ${((m['node -e 0'] - u['node -e 0']) * 1000).toFixed(0)} ms more with it`);
  }
}

// 3. quickstart vs 8 openssl processes: CA, server, client (2 each), .p12, s_server + s_client.
if (runs('quickstart')) {
  const port = 20000 + (process.pid % 20000);
  const steps = [
    'set -e; rm -rf qs-o; mkdir qs-o; cd qs-o',
    'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -subj /CN=CA -days 3650 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null',
    opensslLeaf('.', 'localhost', '../server.cnf', '.'),
    opensslLeaf('.', 'alice', '../client.cnf', '.'),
    'openssl pkcs12 -export -in alice.crt -inkey alice.key -out alice.p12 -passout pass:secret',
    `(openssl s_server -accept 127.0.0.1:${port} -cert localhost.crt -key localhost.key -CAfile ca.crt -Verify 1 -verify_return_error -naccept 1 -quiet </dev/null >/dev/null 2>&1 &)`,
    `for i in $(seq 100); do echo | openssl s_client -connect 127.0.0.1:${port} -cert alice.crt -key alice.key -CAfile ca.crt -verify_return_error -quiet >/dev/null 2>&1 && break; sleep 0.01; done`,
  ].join('\n');
  writeFileSync(path.join(work, 'qs-openssl.sh'), steps);
  const m = hyperfine(
    [
      ['regcert quickstart', `${node} ${bin} quickstart --dir qs-r --user alice --yes --password-env BENCH_PW`],
      ['openssl steps', 'bash qs-openssl.sh'],
    ],
    { prepare: 'rm -rf qs-r', runs: Math.max(5, Math.round(RUNS / 2)) },
  );
  row('quickstart', m['regcert quickstart'], m['openssl steps'], '8 openssl processes', 'target <= 1x');
}

// 4. Batch of 1,000 P-256 client certificates vs loops.
// Every batch run issues a new pool: its own CA directory `bpki` as init-ca left it (the records of
// the previous run go with its files; re-issuing over recorded paths supersedes every entry, which is
// a rewrite of the inventory and another thing than issuing a pool).
execFileSync(node, [bin, 'init-ca', '--dir', 'bpki'], { cwd: work, stdio: 'ignore' });
// The previous run's files are moved aside, not deleted: ext4 without a journal (this machine) skips
// inodes deleted in the last ~30 s when it allocates new ones (fs/ext4/ialloc.c recently_deleted), so
// deleting 2,000 files just before a run slows that run's file creation several times over. They go
// with the work directory at the end.
let trashed = 0;
/** Moves `dir` of the work directory, when it is there, into trash/. */
const trash = (dir) => {
  const from = path.join(work, dir);
  if (existsSync(from)) {
    mkdirSync(path.join(work, 'trash'), { recursive: true });
    renameSync(from, path.join(work, 'trash', String(trashed++)));
  }
};
const freshBatch = (out) => () => {
  trash(out);
  rmSync(path.join(work, 'bpki', 'inventory.jsonl'), { force: true });
};
csv('b1000.csv', 1000);
const b1000 = runs('batch') || runs('big') ? timed(node, [bin, 'issue', '--batch', 'b1000.csv', '--dir', 'bpki', '--out-dir', 'b1000'], { prepare: freshBatch('b1000') }) : null;
if (runs('batch')) {
  const loop = (script) => {
    rmSync(path.join(work, 'loop'), { recursive: true, force: true });
    mkdirSync(path.join(work, 'loop'));
    const t = process.hrtime.bigint();
    sh(script);
    return ((Number(process.hrtime.bigint() - t) / 1e9) * 1000) / LOOP_ROWS;
  };
  const ossl = loop(`for i in $(seq ${LOOP_ROWS}); do ${opensslLeaf('loop', 'user$i', 'client.cnf')}; done`);
  row(`batch 1,000 P-256 (${Math.round(1000 / b1000.seconds)}/s)`, b1000.seconds, ossl, `openssl loop (${LOOP_ROWS} rows x${1000 / LOOP_ROWS})`, `${(ossl / b1000.seconds).toFixed(0)}x faster (target 170x, >= 3000/s); openssl ${Math.round(1000 / ossl)}/s`);
  if (has('cfssl') && has('cfssljson')) {
    writeFileSync(path.join(work, 'cfssl.json'), JSON.stringify({ signing: { default: { expiry: '9528h', usages: ['digital signature', 'client auth'] } } }));
    const req = (i) => JSON.stringify({ CN: `user${i}`, hosts: [`user${i}@example.com`], key: { algo: 'ecdsa', size: 256 } });
    for (let i = 1; i <= LOOP_ROWS; i++) writeFileSync(path.join(work, `csr${i}.json`), req(i));
    try {
      const cf = loop(`for i in $(seq ${LOOP_ROWS}); do cfssl gencert -loglevel 5 -ca pki/ca.crt -ca-key pki/ca.key -config cfssl.json csr$i.json | cfssljson -bare loop/user$i; done`);
      row('batch 1,000 P-256', b1000.seconds, cf, `cfssl loop (${LOOP_ROWS} rows x${1000 / LOOP_ROWS})`, `${(cf / b1000.seconds).toFixed(0)}x faster (target 40x); cfssl ${Math.round(1000 / cf)}/s`);
    } catch (e) {
      row('batch 1,000 P-256 vs cfssl', b1000.seconds, null, 'cfssl loop', `cfssl failed: ${String(e.stderr ?? e.message).split('\n')[0]}`);
    }
  } else row('batch 1,000 P-256 vs cfssl', b1000.seconds, null, 'cfssl loop', 'cannot run: cfssl/cfssljson missing (apt-get install golang-cfssl)');
}

// 5. Batch of 10,000: peak RSS, time per certificate vs the 1,000 batch.
if (runs('big')) {
  csv('big.csv', BIG);
  const b = timed(node, [bin, 'issue', '--batch', 'big.csv', '--dir', 'bpki', '--out-dir', 'big'], { runs: 1, prepare: freshBatch('big') });
  const per10k = b.seconds / BIG;
  const per1k = b1000.seconds / 1000;
  rows.push({
    what: `batch ${BIG.toLocaleString('en')} P-256 (${Math.round(BIG / b.seconds)}/s)`,
    text: `${hasTime ? `peak RSS ${(b.rssKiB / 1024).toFixed(0)} MiB` : 'peak RSS not measured: /usr/bin/time missing (apt-get install time)'} (target <= 200); ${(per10k * 1000).toFixed(3)} ms/cert vs ${(per1k * 1000).toFixed(3)} ms/cert at 1,000: ${((per10k / per1k - 1) * 100).toFixed(0)}% (target within 10%)`,
  });
}

// 6. RSA-2048 batch throughput.
if (runs('rsa')) {
  csv('rsa.csv', 100, 'rsa');
  const r = timed(node, [bin, 'issue', '--batch', 'rsa.csv', '--dir', 'bpki', '--out-dir', 'rsa', '--key-type', 'rsa-2048'], { runs: 1, prepare: freshBatch('rsa') });
  rows.push({ what: 'batch 100 RSA-2048', text: `${r.seconds.toFixed(2)} s: ${Math.round(100 / r.seconds)} certificates/s (key generation bound)` });
}

const rss = (r) => (hasTime ? `peak RSS ${(r.rssKiB / 1024).toFixed(0)} MiB` : 'peak RSS not measured: /usr/bin/time missing (apt-get install time)');
/** A prepare step: each of `dirs` made again from its copy DIR.orig (the one a run left trashed). */
const restoreCopies = (...dirs) => () => {
  for (const d of dirs) {
    trash(d);
    cp(`${d}.orig`, d);
  }
};

// 7. renew --all of a pool that is all due, beside issue --batch of the same pool in the same run.
// Each pool is issued once into its own CA directory (timed: the reference), copied aside, and
// every renew run starts from a copy (the copy is not timed). --if-expiring 1000d makes every
// 397-day certificate due.
if (runs('renew')) {
  for (const n of (process.env.BENCH_RENEW_ROWS ?? `1000,${BIG}`).split(',').map(Number)) {
    const ca = `rpki${n}`;
    const out = `rpool${n}`;
    execFileSync(node, [bin, 'init-ca', '--dir', ca], { cwd: work, stdio: 'ignore' });
    csv(`r${n}.csv`, n, 'member');
    const issued = timed(node, [bin, 'issue', '--batch', `r${n}.csv`, '--dir', ca, '--out-dir', out], { runs: 1 });
    cp(ca, `${ca}.orig`);
    cp(out, `${out}.orig`);
    const renewed = timed(node, [bin, 'renew', '--all', '--dir', ca, '--if-expiring', '1000d'], { runs: n > 1000 ? 1 : BATCH_RUNS, prepare: restoreCopies(ca, out) });
    row(
      `renew --all of ${n.toLocaleString('en')} due (${Math.round(n / renewed.seconds)}/s)`,
      renewed.seconds,
      issued.seconds,
      `issue --batch of ${n.toLocaleString('en')}`,
      `${rss(renewed)} (issue: ${(issued.rssKiB / 1024).toFixed(0)} MiB); target <= 2x issue and <= 250 MiB at 10,000`,
    );
  }
}

// A CA directory whose inventory holds BENCH_LIST_ROWS entries (a pool issued into --out-dir), made once
// for the sections that read one (list, revoke), and the reference for reading it: node -e with
// JSON.parse per line.
const LIST_ROWS = Number(process.env.BENCH_LIST_ROWS ?? 100_000);
let bigInventory = null;
function bigInventoryDir() {
  if (bigInventory === null) {
    execFileSync(node, [bin, 'init-ca', '--dir', 'lpki'], { cwd: work, stdio: 'ignore' });
    csv('l.csv', LIST_ROWS, 'entry');
    execFileSync(node, [bin, 'issue', '--batch', 'l.csv', '--dir', 'lpki', '--out-dir', 'lpool'], { cwd: work, stdio: 'ignore' });
    const ref = `const t=require('fs').readFileSync('lpki/inventory.jsonl','utf8').split('\\n');let n=0;for(const l of t)if(l)n+=JSON.parse(l).serial.length;`;
    bigInventory = { dir: 'lpki', parsed: timed(node, ['-e', ref]) };
  }
  return bigInventory;
}

// 8. list --json of a 100,000-entry inventory vs reading the inventory in node with JSON.parse per line.
if (runs('list')) {
  const n = LIST_ROWS;
  const { dir, parsed } = bigInventoryDir();
  try {
    const listed = timed(node, [bin, 'list', '--dir', dir, '--all', '--json']);
    row(`list --json of ${n.toLocaleString('en')} entries`, listed.seconds, parsed.seconds, 'node -e JSON.parse per line', `${rss(listed)} (reference ${(parsed.rssKiB / 1024).toFixed(0)} MiB); target <= 3x`);
  } catch (e) {
    row(`list --json of ${n.toLocaleString('en')} entries`, null, parsed.seconds, 'node -e JSON.parse per line', `list failed: ${String(e.message).split('\n').find((l) => l.includes('regcert:')) ?? e.message}`);
  }
}

// 9. revoke of 1,000 names in one run (revoke --batch FILE), beside issue --batch of the same 1,000
// (the reference: making the pool; a loop of `openssl ca -revoke` re-signs nothing per name and
// needs its own index.txt, so it is no anchor for one inventory write and one signed CRL).
if (runs('revoke')) {
  const n = 1000;
  execFileSync(node, [bin, 'init-ca', '--dir', 'vpki'], { cwd: work, stdio: 'ignore' });
  csv('v.csv', n, 'leaver');
  const issued = timed(node, [bin, 'issue', '--batch', 'v.csv', '--dir', 'vpki', '--out-dir', 'vpool'], { runs: 1 });
  writeFileSync(path.join(work, 'leavers.txt'), Array.from({ length: n }, (_, i) => `leaver${i + 1}\n`).join(''));
  cp('vpki', 'vpki.orig');
  const revoked = timed(node, [bin, 'revoke', '--batch', 'leavers.txt', '--dir', 'vpki'], { prepare: restoreCopies('vpki') });
  row(`revoke --batch of ${n.toLocaleString('en')} names`, revoked.seconds, issued.seconds, `issue --batch of the ${n.toLocaleString('en')}`, `${rss(revoked)}; one inventory write, one CRL`);

  // The same 1,000 names revoked in the inventory of a pool (BENCH_LIST_ROWS entries): the rewrite of
  // the whole file, beside reading that file with JSON.parse per line. Each run starts from a copy.
  const { dir, parsed } = bigInventoryDir();
  writeFileSync(path.join(work, 'pool-leavers.txt'), Array.from({ length: n }, (_, i) => `entry${i + 1}\n`).join(''));
  cp(dir, 'vbig.orig');
  const inPool = timed(node, [bin, 'revoke', '--batch', 'pool-leavers.txt', '--dir', 'vbig'], { prepare: restoreCopies('vbig') });
  row(
    `revoke --batch of ${n.toLocaleString('en')} names among ${LIST_ROWS.toLocaleString('en')} entries`,
    inPool.seconds,
    parsed.seconds,
    'node -e JSON.parse per line',
    `${rss(inPool)}; one inventory write, one CRL (before the rewrite on bytes: 6.3-6.8 s, 770 MiB)`,
  );
}

const fmt = (s) => (s === null ? '-' : s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(1)} ms`);
console.log('\n| what | regcert | reference | ratio | note |\n|---|---|---|---|---|');
for (const r of rows) {
  if (r.text) console.log(`| ${r.what} | ${r.text} | | | |`);
  else console.log(`| ${r.what} | ${fmt(r.ours)} | ${r.refName}: ${fmt(r.ref)} | ${r.ref && r.ours !== null ? `${(r.ours / r.ref).toFixed(2)}x` : '-'} | ${r.note} |`);
}
console.log(`\nload average after: ${load()}`);
