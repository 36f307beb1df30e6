/**
 * A TSA server in its own process, until `scelle tsa serve` exists: used by bench/tsa.ts and by
 * the crash test (tests/interop/timestamp-serials.test.ts, which kill -9s it).
 *
 *   node dist/bench/tsa-server.js P12 STATE_DIR [PORT]      (password in SCELLE_TSA_PASSWORD)
 *
 * Prints `LISTENING <url>` on stdout once it accepts requests; stops on SIGTERM/SIGINT.
 */
import { readFileSync } from 'node:fs';
import { loadPkcs12Identity, selectCertificate } from '../src/index.js';
import { openSerialState } from '../src/timestamp/serial-state.js';
import { startTsaServer } from '../src/timestamp/server.js';
import { createTimeStampAuthority } from '../src/timestamp/tsa.js';

const [p12Path, stateDir, port] = process.argv.slice(2);
if (p12Path === undefined || stateDir === undefined) {
  process.stderr.write('usage: tsa-server.js P12 STATE_DIR [PORT]\n');
  process.exit(2);
}
const identity = loadPkcs12Identity(readFileSync(p12Path), process.env.SCELLE_TSA_PASSWORD ?? '', { name: p12Path });
const entry = selectCertificate(identity, 'tsa').entry;
const chain = identity.certificates.filter((c) => c.basicConstraints?.ca === true);
const state = await openSerialState(stateDir);
const server = await startTsaServer({ tsa: createTimeStampAuthority({ signer: entry, chain, state }), port: Number(port ?? 0) });
process.stdout.write(`LISTENING ${server.url}\n`);
const stop = async (): Promise<void> => {
  await server.close();
  await state.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
