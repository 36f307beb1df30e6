/** The card reader: its PKCS#11 module loads, and a card is in it (the listing `scelle token list` does, no PIN). */
import { listPkcs11Tokens } from '../../src/index.js';
import { errorOf, found, type DoctorCheck } from './check.js';

export function checkPkcs11(module: string | undefined): DoctorCheck[] {
  if (module === undefined) return [found('pkcs11', 'skipped', 'doctor.pkcs11.none', { fixKey: 'doctor.pkcs11.noneFix' })];
  let tokens: ReturnType<typeof listPkcs11Tokens>;
  try {
    tokens = listPkcs11Tokens(module);
  } catch (e) {
    return [found('pkcs11', 'error', 'doctor.pkcs11.error', { params: { module }, error: errorOf(e), fixKey: 'doctor.pkcs11.errorFix' })];
  }
  // A blank slot (SoftHSM2's spare one, a reader's empty token) is not a card.
  const cards = tokens.filter((t) => t.initialized);
  const out = [found('pkcs11', 'ok', 'doctor.pkcs11.ok', { params: { module }, counts: { tokens: ['doctor.n.tokenPresent', cards.length] } })];
  if (cards.length === 0) out.push(found('card', 'warning', 'doctor.card.none', { params: { module }, fixKey: 'doctor.card.noneFix' }));
  for (const c of cards) out.push(found('card', 'ok', 'doctor.card.ok', { params: { label: c.label, manufacturer: c.manufacturer, model: c.model, serial: c.serial } }));
  return out;
}
