/*
 * BouncyCastle's RFC 4998 implementation (org.bouncycastle.tsp.ers, Debian libbcpkix-java 1.72) on
 * the other side of scelle's evidence records. Compiled by tests/helpers/bouncycastle.ts into a
 * temporary folder at test time (never committed as .class files).
 *
 *   verify  ERS DATA TRUST.pem              check the record for DATA; exit 0 "OK", 1 "FAIL: why"
 *   flip    ERS DATA TRUST.pem              flip every byte of the record, then of DATA, verifying
 *                                           each copy; prints "undetected-record N", "undetected-data N"
 *   make    OUTDIR KEY.pem CERT.pem CHAIN.pem GENTIME_MS FILE...
 *                                           one BouncyCastle archive time-stamp over all FILEs
 *                                           (its own TSA, with KEY/CERT); OUTDIR/NAME.ers each
 *   renew-ts   IN.ers OUT.ers KEY.pem CERT.pem CHAIN.pem GENTIME_MS     time-stamp renewal
 *   renew-hash IN.ers OUT.ers DATA KEY.pem CERT.pem CHAIN.pem GENTIME_MS  hash-tree renewal (SHA-512)
 *
 * "verify" uses BouncyCastle for everything ERS: ERSEvidenceRecord.validatePresent (the data
 * object's hash in the first reduced hash tree of the last chain, with the hash of the previous
 * chains after a hash-tree renewal), ERSEvidenceRecord.validate (each time-stamp of the last chain
 * covered by the last one, and the last token's signature) for every prefix of the sequence, so
 * that every chain is checked; and TimeStampToken.validate on every token, with a signer
 * certificate whose path is checked, signature by signature, up to a self-signed certificate of
 * TRUST.pem, each certificate within its validity at the token's genTime. BouncyCastle's ERS does
 * not check revocation; scelle's verifier does.
 */
import java.io.*;
import java.math.BigInteger;
import java.nio.file.*;
import java.security.*;
import java.security.cert.*;
import java.util.*;

import org.bouncycastle.asn1.*;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.tsp.*;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.SignerInformationVerifier;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.*;
import org.bouncycastle.tsp.ers.*;
import org.bouncycastle.util.Store;

public class ErsHarness {
    static DigestCalculatorProvider digests() throws Exception {
        return new JcaDigestCalculatorProviderBuilder().build();
    }

    public static void main(String[] a) throws Exception {
        try {
            switch (a[0]) {
                case "verify": verifyCommand(a); return;
                case "flip": flipCommand(a); return;
                case "make": makeCommand(a); return;
                case "renew-ts": renewTs(a); return;
                case "renew-hash": renewHash(a); return;
                default: throw new IllegalArgumentException("unknown command " + a[0]);
            }
        } catch (Exception e) {
            System.out.println("FAIL: " + e);
            System.exit(1);
        }
    }

    // ------------------------------------------------------------------------------ verification

    static void verifyCommand(String[] a) throws Exception {
        byte[] ers = Files.readAllBytes(Paths.get(a[1]));
        byte[] data = Files.readAllBytes(Paths.get(a[2]));
        List<X509CertificateHolder> trust = readCerts(a[3]);
        verify(ers, data, trust, true);
        System.out.println("OK");
    }

    /**
     * Throws when BouncyCastle does not accept the record for the data. With `strict`, also the
     * RFC 4998 / RFC 5652 rules BouncyCastle's ERS classes leave to their caller, checked through
     * BouncyCastle's own ASN.1 and CMS classes (see {@link #strictChecks}).
     */
    static void verify(byte[] ers, byte[] data, List<X509CertificateHolder> trust, boolean strict) throws Exception {
        EvidenceRecord full = EvidenceRecord.getInstance(ASN1Primitive.fromByteArray(ers));
        if (!Arrays.equals(full.getEncoded(ASN1Encoding.DER), ers)) throw new IllegalStateException("the record is not DER");
        ArchiveTimeStampChain[] chains = full.getArchiveTimeStampSequence().getArchiveTimeStampChains();
        Date now = new Date();
        for (int k = 0; k < chains.length; k++) {
            ArchiveTimeStampChain[] prefix = Arrays.copyOf(chains, k + 1);
            EvidenceRecord sub = new EvidenceRecord(full.getDigestAlgorithms(), null, null, new ArchiveTimeStampSequence(prefix));
            ERSEvidenceRecord rec = new ERSEvidenceRecord(sub, digests());
            rec.validatePresent(new ERSByteData(data), now);
            rec.validate(verifierFor(tokenOf(lastOf(chains[k])), trust));
        }
        for (ArchiveTimeStampChain chain : chains) {
            for (ArchiveTimeStamp ats : chain.getArchiveTimestamps()) {
                TimeStampToken token = tokenOf(ats);
                token.validate(verifierFor(token, trust));
            }
        }
        if (strict) strictChecks(full, chains);
    }

    /**
     * What an archive verifier must check beyond BouncyCastle's ERS classes: the record declares
     * every chain's digest algorithm (RFC 4998 §3.1); attributes are Attributes; each token is a
     * SignedData (RFC 5652 §3) of version 3 (§5.1) with one SignerInfo of the version its sid
     * calls for (§5.3), whose digest algorithm is listed, whose signed attributes are there, whose
     * sid names the certificate's issuer as encoded, whose RSA parameters are NULL or absent
     * (RFC 3370 §3.2), and whose certificates' signatures have no unused bits (RFC 5280 §4.1.1.3).
     */
    static void strictChecks(EvidenceRecord full, ArchiveTimeStampChain[] chains) throws Exception {
        Set<ASN1ObjectIdentifier> declared = new HashSet<>();
        for (AlgorithmIdentifier d : full.getDigestAlgorithms()) declared.add(d.getAlgorithm());
        for (ArchiveTimeStampChain chain : chains) {
            ArchiveTimeStamp[] atss = chain.getArchiveTimestamps();
            if (!declared.contains(atss[0].getDigestAlgorithmIdentifier().getAlgorithm())) throw new IllegalStateException("chain algorithm not declared");
            for (ArchiveTimeStamp ats : atss) {
                ASN1Sequence seq = ASN1Sequence.getInstance(ats.toASN1Primitive());
                for (int i = 0; i < seq.size(); i++) {
                    ASN1Encodable e = seq.getObjectAt(i);
                    if (e instanceof ASN1TaggedObject && ((ASN1TaggedObject) e).getTagNo() == 1) {
                        org.bouncycastle.asn1.cms.Attributes attrs = org.bouncycastle.asn1.cms.Attributes.getInstance(ASN1Set.getInstance((ASN1TaggedObject) e, false));
                        for (org.bouncycastle.asn1.cms.Attribute at : attrs.getAttributes()) at.getAttrType();
                    }
                }
                org.bouncycastle.asn1.cms.ContentInfo ci = ats.getTimeStamp();
                if (!ci.getContentType().equals(org.bouncycastle.asn1.cms.CMSObjectIdentifiers.signedData)) throw new IllegalStateException("not SignedData");
                org.bouncycastle.cms.CMSSignedData sd = new org.bouncycastle.cms.CMSSignedData(ci);
                if (sd.getVersion() != 3) throw new IllegalStateException("SignedData version " + sd.getVersion());
                Collection<org.bouncycastle.cms.SignerInformation> signers = sd.getSignerInfos().getSigners();
                if (signers.size() != 1) throw new IllegalStateException("signers " + signers.size());
                org.bouncycastle.cms.SignerInformation si = signers.iterator().next();
                org.bouncycastle.asn1.cms.SignerInfo raw = si.toASN1Structure();
                boolean bySki = raw.getSID().isTagged();
                if (si.getVersion() != (bySki ? 3 : 1)) throw new IllegalStateException("SignerInfo version " + si.getVersion());
                if (!sd.getDigestAlgorithmIDs().contains(si.getDigestAlgorithmID())) throw new IllegalStateException("digest algorithm not listed");
                if (raw.getAuthenticatedAttributes() == null) throw new IllegalStateException("no signed attributes");
                // BouncyCastle's SignerInfo reads any tagged field as the signed attributes: the
                // model it builds must encode back to the bytes given.
                ASN1Encodable given = org.bouncycastle.asn1.cms.SignedData.getInstance(ci.getContent()).getSignerInfos().getObjectAt(0);
                if (!Arrays.equals(given.toASN1Primitive().getEncoded(ASN1Encoding.DER), org.bouncycastle.asn1.cms.SignerInfo.getInstance(given).getEncoded(ASN1Encoding.DER))) {
                    throw new IllegalStateException("the SignerInfo does not encode back as read");
                }
                ASN1Encodable params = raw.getDigestEncryptionAlgorithm().getParameters();
                if (params != null && !(params instanceof ASN1Null)) throw new IllegalStateException("RSA parameters not NULL");
                for (X509CertificateHolder c : sd.getCertificates().getMatches(null)) {
                    if (c.toASN1Structure().getSignature().getPadBits() != 0) throw new IllegalStateException("certificate signature with unused bits");
                    if (!bySki && c.getSerialNumber().equals(si.getSID().getSerialNumber())
                        && !Arrays.equals(si.getSID().getIssuer().getEncoded(ASN1Encoding.DER), c.toASN1Structure().getIssuer().getEncoded(ASN1Encoding.DER))) {
                        throw new IllegalStateException("sid issuer encoding differs from the certificate's");
                    }
                }
            }
        }
    }

    static ArchiveTimeStamp lastOf(ArchiveTimeStampChain c) {
        ArchiveTimeStamp[] all = c.getArchiveTimestamps();
        return all[all.length - 1];
    }

    static TimeStampToken tokenOf(ArchiveTimeStamp ats) throws Exception {
        return new TimeStampToken(ats.getTimeStamp());
    }

    /** The token's signer certificate, its path checked up to a self-signed trusted one at genTime. */
    @SuppressWarnings("unchecked")
    static SignerInformationVerifier verifierFor(TimeStampToken token, List<X509CertificateHolder> trust) throws Exception {
        Store<X509CertificateHolder> store = token.getCertificates();
        Collection<X509CertificateHolder> found = store.getMatches(token.getSID());
        if (found.isEmpty()) throw new IllegalStateException("the token does not carry its signer certificate");
        X509CertificateHolder signer = found.iterator().next();
        List<X509CertificateHolder> pool = new ArrayList<>(trust);
        pool.addAll(store.getMatches(null));
        Date when = token.getTimeStampInfo().getGenTime();
        X509CertificateHolder c = signer;
        for (int depth = 0; depth < 8; depth++) {
            if (!c.isValidOn(when)) throw new IllegalStateException("certificate " + c.getSubject() + " not valid at " + when);
            X509CertificateHolder issuer = null;
            for (X509CertificateHolder p : pool) {
                if (p.getSubject().equals(c.getIssuer()) && c.isSignatureValid(new JcaContentVerifierProviderBuilder().build(p))) { issuer = p; break; }
            }
            if (issuer == null) throw new IllegalStateException("no issuer for " + c.getSubject());
            if (issuer.getSubject().equals(issuer.getIssuer())) {
                boolean trusted = false;
                for (X509CertificateHolder t : trust) if (Arrays.equals(t.getEncoded(), issuer.getEncoded())) trusted = true;
                if (!trusted) throw new IllegalStateException("untrusted root " + issuer.getSubject());
                return new JcaSimpleSignerInfoVerifierBuilder().build(signer);
            }
            c = issuer;
        }
        throw new IllegalStateException("path too long");
    }

    static void flipCommand(String[] a) throws Exception {
        byte[] ers = Files.readAllBytes(Paths.get(a[1]));
        byte[] data = Files.readAllBytes(Paths.get(a[2]));
        List<X509CertificateHolder> trust = readCerts(a[3]);
        verify(ers, data, trust, true);
        List<Integer> missed = new ArrayList<>();
        List<Integer> missedByErsClasses = new ArrayList<>();
        for (int i = 0; i < ers.length; i++) {
            byte[] copy = ers.clone();
            copy[i] ^= 0x01;
            try { verify(copy, data, trust, false); missedByErsClasses.add(i); } catch (Exception | Error e) { /* found */ }
            try { verify(copy, data, trust, true); missed.add(i); } catch (Exception | Error e) { /* found */ }
        }
        int missedData = 0;
        for (int i = 0; i < data.length; i++) {
            byte[] copy = data.clone();
            copy[i] ^= 0x01;
            try { verify(ers, copy, trust, false); missedData++; } catch (Exception | Error e) { /* found */ }
        }
        System.out.println("record-bytes " + ers.length);
        System.out.println("undetected-record " + missed.size() + " " + missed);
        System.out.println("undetected-record-by-ers-classes-alone " + missedByErsClasses.size() + " " + missedByErsClasses);
        System.out.println("undetected-data " + missedData);
    }

    // ------------------------------------------------------------------------------ generation

    static TimeStampResponse tsa(TimeStampRequest req, String keyPem, String certPem, String chainPem, long genTime) throws Exception {
        PrivateKey key;
        try (PEMParser p = new PEMParser(new FileReader(keyPem))) {
            key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) p.readObject());
        }
        X509CertificateHolder cert = readCerts(certPem).get(0);
        List<X509CertificateHolder> certs = new ArrayList<>();
        certs.add(cert);
        certs.addAll(readCerts(chainPem));
        DigestCalculator essHash = digests().get(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256));
        TimeStampTokenGenerator gen = new TimeStampTokenGenerator(
            new JcaSimpleSignerInfoGeneratorBuilder().build("SHA256withRSA", key, new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(cert)),
            essHash, new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.3161.2"));
        gen.addCertificates(new JcaCertStore(toJca(certs)));
        TimeStampResponseGenerator respGen = new TimeStampResponseGenerator(gen, TSPAlgorithms.ALLOWED);
        TimeStampResponse resp = respGen.generate(req, BigInteger.valueOf(genTime), new Date(genTime));
        return new TimeStampResponse(resp.getEncoded());
    }

    static void makeCommand(String[] a) throws Exception {
        DigestCalculator sha256 = digests().get(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256));
        ERSArchiveTimeStampGenerator gen = new ERSArchiveTimeStampGenerator(sha256);
        List<ERSData> data = new ArrayList<>();
        for (int i = 6; i < a.length; i++) {
            ERSData d = new ERSByteData(Files.readAllBytes(Paths.get(a[i])));
            data.add(d);
            gen.addData(d);
        }
        TimeStampRequestGenerator reqGen = new TimeStampRequestGenerator();
        reqGen.setCertReq(true);
        TimeStampRequest req = gen.generateTimeStampRequest(reqGen);
        TimeStampResponse resp = tsa(req, a[2], a[3], a[4], Long.parseLong(a[5]));
        List<ERSArchiveTimeStamp> atss = gen.generateArchiveTimeStamps(resp);
        List<ERSEvidenceRecord> records = new ERSEvidenceRecordGenerator(digests()).generate(atss);
        for (int i = 0; i < records.size(); i++) {
            Path out = Paths.get(a[1], Paths.get(a[6 + i]).getFileName() + ".ers");
            Files.write(out, records.get(i).getEncoded());
        }
        System.out.println("OK " + records.size());
    }

    static void renewTs(String[] a) throws Exception {
        ERSEvidenceRecord rec = new ERSEvidenceRecord(Files.readAllBytes(Paths.get(a[1])), digests());
        TimeStampRequestGenerator reqGen = new TimeStampRequestGenerator();
        reqGen.setCertReq(true);
        TimeStampRequest req = rec.generateTimeStampRenewalRequest(reqGen);
        ERSEvidenceRecord renewed = rec.renewTimeStamp(tsa(req, a[3], a[4], a[5], Long.parseLong(a[6])));
        Files.write(Paths.get(a[2]), renewed.getEncoded());
        System.out.println("OK");
    }

    static void renewHash(String[] a) throws Exception {
        ERSEvidenceRecord rec = new ERSEvidenceRecord(Files.readAllBytes(Paths.get(a[1])), digests());
        DigestCalculator sha512 = digests().get(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha512));
        ERSData data = new ERSByteData(Files.readAllBytes(Paths.get(a[3])));
        TimeStampRequestGenerator reqGen = new TimeStampRequestGenerator();
        reqGen.setCertReq(true);
        TimeStampRequest req = rec.generateHashRenewalRequest(sha512, data, reqGen);
        ERSEvidenceRecord renewed = rec.renewHash(sha512, data, tsa(req, a[4], a[5], a[6], Long.parseLong(a[7])));
        Files.write(Paths.get(a[2]), renewed.getEncoded());
        System.out.println("OK");
    }

    // ------------------------------------------------------------------------------ files

    static List<X509CertificateHolder> readCerts(String pem) throws Exception {
        List<X509CertificateHolder> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new FileReader(pem))) {
            Object o;
            while ((o = p.readObject()) != null) if (o instanceof X509CertificateHolder) out.add((X509CertificateHolder) o);
        }
        return out;
    }

    static List<java.security.cert.X509Certificate> toJca(List<X509CertificateHolder> certs) throws Exception {
        List<java.security.cert.X509Certificate> out = new ArrayList<>();
        for (X509CertificateHolder h : certs) out.add(new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(h));
        return out;
    }
}
