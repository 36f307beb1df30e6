/**
 * The holder of a French health certificate in human terms. In IGC-Santé / CPS certificates the
 * subject CN carries PS_IdNat: one digit for the kind of national identifier, then the
 * identifier (8 = RPPS, 0 = ADELI, 3 = FINESS + internal id, …). The profession is in the title
 * (T) attribute, as a label or as a code of the ANS nomenclature TRE_G15.
 */

/** Kinds of PS_IdNat, by leading digit (nomenclature TRE_G08). */
export const ID_NAT_KINDS: Readonly<Record<string, string>> = {
  '0': 'ADELI',
  '1': 'DRASS',
  '3': 'FINESS',
  '4': 'SIREN',
  '5': 'SIRET',
  '6': 'RPPS-cabinet',
  '8': 'RPPS',
};

/** Professions by code (nomenclature TRE_G15, the most common ones). */
export const PROFESSIONS: Readonly<Record<string, string>> = {
  '10': 'Médecin',
  '21': 'Pharmacien',
  '26': 'Audioprothésiste',
  '28': 'Opticien-lunetier',
  '40': 'Chirurgien-dentiste',
  '50': 'Sage-femme',
  '60': 'Infirmier',
  '69': 'Infirmier psychiatrique',
  '70': 'Masseur-kinésithérapeute',
  '80': 'Pédicure-podologue',
  '81': 'Orthoprothésiste',
  '82': 'Podo-orthésiste',
  '86': 'Technicien de laboratoire médical',
  '91': 'Orthophoniste',
  '92': 'Orthoptiste',
  '93': 'Psychologue',
  '94': 'Ergothérapeute',
  '95': 'Diététicien',
  '96': 'Psychomotricien',
  '98': 'Manipulateur ERM',
};

/** A decoded PS_IdNat. */
export interface IdNat {
  /** The CN value as written, e.g. `810012345678`. */
  raw: string;
  /** The leading digit. */
  kindDigit: string;
  /** `RPPS`, `ADELI`, `FINESS`… or `unknown`. */
  kind: string;
  /** The national identifier without the leading digit, e.g. the 11-digit RPPS number. */
  number: string;
}

/** Subject attributes as given by {@link X509Cert.subjectAttributes}. */
export interface NameAttributeLike {
  shortName: string;
  value: string;
}

/** The holder of a certificate in human terms. */
export interface HealthHolder {
  /** "Given SURNAME" when SN/GN exist, else the CN. */
  displayName: string;
  givenName?: string;
  surname?: string;
  commonName?: string;
  idNat?: IdNat;
  /** The RPPS number (11 digits) when PS_IdNat is of kind 8. */
  rpps?: string;
  /** The ADELI number when PS_IdNat is of kind 0. */
  adeli?: string;
  profession?: string;
  professionCode?: string;
  organization?: string;
  organizationalUnit?: string;
  country?: string;
  emails: string[];
}

/**
 * Decodes a PS_IdNat string ("8" + RPPS, "0" + ADELI, …). Returns undefined when the text is not
 * shaped like one (digits, optionally followed by "/…" as some CN values are).
 */
export function parseIdNat(cn: string): IdNat | undefined {
  const m = /^(\d)(\d{8,})(?:\/.*)?$/.exec(cn.trim());
  if (!m) return undefined;
  const kindDigit = m[1]!;
  return { raw: cn.trim(), kindDigit, kind: ID_NAT_KINDS[kindDigit] ?? 'unknown', number: m[2]! };
}

/** Describes the holder of a certificate from its subject attributes and e-mail addresses. */
export function describeHolder(subject: readonly NameAttributeLike[], emails: readonly string[] = []): HealthHolder {
  const get = (n: string): string | undefined => subject.find((a) => a.shortName === n)?.value;
  const cn = get('CN');
  const sn = get('SN');
  const gn = get('GN');
  const title = get('T');
  const idNat = cn ? parseIdNat(cn) : undefined;
  const holder: HealthHolder = {
    displayName: gn && sn ? `${gn} ${sn}` : sn ?? cn ?? '',
    emails: [...emails, ...subject.filter((a) => a.shortName === 'emailAddress').map((a) => a.value)],
  };
  if (gn) holder.givenName = gn;
  if (sn) holder.surname = sn;
  if (cn) holder.commonName = cn;
  if (idNat) {
    holder.idNat = idNat;
    if (idNat.kind === 'RPPS') holder.rpps = idNat.number;
    if (idNat.kind === 'ADELI') holder.adeli = idNat.number;
  }
  if (title) {
    const code = /^\d{2}$/.test(title) ? title : undefined;
    holder.profession = code ? PROFESSIONS[code] ?? `code ${code}` : title;
    if (code) holder.professionCode = code;
  }
  const o = get('O');
  if (o) holder.organization = o;
  const ou = get('OU');
  if (ou) holder.organizationalUnit = ou;
  const c = get('C');
  if (c) holder.country = c;
  return holder;
}
