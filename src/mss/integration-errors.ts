/**
 * The error codes and the subject convention of the ANS volet "Transmission d'un document CDA en
 * HL7v2 par messagerie sécurisée de santé" (IG ansforge/IG-hl7v2-volet-trans-lps-doc-cda-courriel-mss):
 *
 * - error-codes.md: the HL7 table messageErrorCondition (technical errors of the HL7 message, field
 *   ERR-3) and the user-defined table applicationErrorCondition (integration errors of the CDA
 *   document, field ERR-5), code and label;
 * - struct-msg-mdn.md §"Objet du MDN" and struct-email-standard.md §"Contenu du courriel": the
 *   subject `[KO Intégration système !][code erreur] XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de
 *   naissance>` on error, `XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>` otherwise.
 */

/** One error of the volet's tables. */
export interface IntegrationError {
  code: string;
  /** The label of the table (column "Libellé"), as it goes after `^` in the Disposition field. */
  label: string;
  /** What it means (column "Description"). */
  description: string;
  table: 'messageErrorCondition' | 'applicationErrorCondition';
}

/** error-codes.md, both tables, in order. */
export const INTEGRATION_ERRORS: readonly IntegrationError[] = [
  { code: '0', label: 'Message accepted', description: 'Message accepté', table: 'messageErrorCondition' },
  { code: '100', label: 'Segment sequence error', description: 'Les segments ne sont pas dans le bon ordre ou il manque un ou plusieurs segments requis', table: 'messageErrorCondition' },
  { code: '101', label: 'Required field missing', description: 'Un champ requis dans un segment est manquant', table: 'messageErrorCondition' },
  { code: '102', label: 'Data type error', description: 'Erreur sur un type de donnée', table: 'messageErrorCondition' },
  { code: '103', label: 'Table value not found', description: 'Table non trouvée', table: 'messageErrorCondition' },
  { code: '198', label: 'Non-conformant cardinality', description: 'Erreur de cardinalité sur un champ du message', table: 'messageErrorCondition' },
  { code: '199', label: 'Autre erreur de syntaxe HL7', description: 'Autre type d’erreur concernant la syntaxe du message HL7', table: 'messageErrorCondition' },
  { code: '200', label: 'Unsupported message type', description: 'Type de message non supporté', table: 'messageErrorCondition' },
  { code: '201', label: 'Unsupported event code', description: 'Code évènement non supporté', table: 'messageErrorCondition' },
  { code: '202', label: 'Unsupported processing', description: 'Code process non supporté', table: 'messageErrorCondition' },
  { code: '203', label: 'Unsupported version', description: 'Version HL7 non supportée', table: 'messageErrorCondition' },
  { code: '207', label: 'Application error', description: 'Erreur de niveau applicatif dont le contenu est détaillé dans le champ ERR-5', table: 'messageErrorCondition' },
  { code: '900', label: 'Version du document incorrecte lors d’une demande de remplacement/suppression', description: 'La version de document transmise ne correspond pas à la version la plus récente du document existant au niveau de l’application réceptrice', table: 'applicationErrorCondition' },
  { code: '901', label: 'Auteur non autorisé à remplacer ou supprimer un document', description: 'L’acteur qui demande le traitement sur le document doit être l’auteur du document ou appartenir à la même organisation que l’auteur du document original', table: 'applicationErrorCondition' },
  { code: '902', label: 'Identifiant patient inconnu', description: 'Le patient pour lequel le traitement sur le document est demandé est inconnu de l’application réceptrice', table: 'applicationErrorCondition' },
  { code: '903', label: 'INS non présent dans le document', description: 'Le document CDA contient une liste d’identifiants de patient mais pas l’INS : il ne peut pas être intégré automatiquement', table: 'applicationErrorCondition' },
  { code: '904', label: 'L’INS transmis ne correspond pas exactement à celui stocké dans la base du consommateur', description: 'L’INS est présent mais les traits ou le matricule ne correspondent pas exactement à ceux du système consommateur', table: 'applicationErrorCondition' },
];

/** The volet's entry for a code, if it has one. */
export function integrationError(code: string): IntegrationError | undefined {
  return INTEGRATION_ERRORS.find((e) => e.code === code);
}

/** What the subject names: the document and its patient (from the CDA header). */
export interface SubjectDocument {
  /** The document's label (its title). */
  label: string;
  family?: string;
  given?: string;
  /** HL7 TS (`19880514`), written as `14/05/1988`. */
  birthTime?: string;
}

/** `XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>`. */
export function xdmSubject(doc: SubjectDocument): string {
  const born = doc.birthTime && /^\d{8}/.test(doc.birthTime) ? `${doc.birthTime.slice(6, 8)}/${doc.birthTime.slice(4, 6)}/${doc.birthTime.slice(0, 4)}` : '';
  return `XDM/1.0/DDM+${[doc.label, (doc.family ?? '').toUpperCase(), doc.given ?? '', born].filter((s) => s !== '').join(' ')}`.replace(/[\r\n]+/g, ' ');
}

/** The subject of an MDN or an error e-mail: `[KO Intégration système !][code] ` before it on error. */
export function integrationSubject(doc: SubjectDocument, errorCode?: string): string {
  return `${errorCode !== undefined ? `[KO Intégration système !][${errorCode}] ` : ''}${xdmSubject(doc)}`;
}

/**
 * Reads the error code from a subject of the volet's convention. The example of
 * struct-email-standard.md writes `[Erreur d’intégration !]` instead of the normative
 * `[KO Intégration système !]`: both are recognised.
 */
export function errorCodeOfSubject(subject: string | undefined): string | undefined {
  const m = /^\s*\[(?:KO Intégration système|Erreur d[’']intégration) !\]\s*\[([^\]]{1,16})\]/i.exec(subject ?? '');
  return m?.[1]?.trim();
}
