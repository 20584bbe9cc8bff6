/**
 * The stack's own certificate authorities for traffic between its clusters (docs/decisions.md, "Peers
 * over TLS with the stack's own CA"): @pulumi/tls keeps every key as a secret in the stack's state,
 * needs no cluster, and is the same in every cluster. One CA per purpose, so that a certificate issued
 * for one kind of traffic (routers' peer sessions, say) is never accepted by another's listener.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** A certificate and its key, as one PEM, and the CA that verifies its peers. */
export interface IssuedCertificate {
    /** Certificate then private key, one PEM text (HAProxy's `crt` file); a secret. */
    certAndKey: pulumi.Output<string>;
    certPem: pulumi.Output<string>;
    /** The private key alone; a secret. */
    keyPem: pulumi.Output<string>;
    /** The CA's certificate: what the other side verifies against. */
    ca: pulumi.Output<string>;
}

export type CertificateUse = "server_auth" | "client_auth";

/** A CA of this stack for one purpose (`router-peers`, ...): its resources are named after the purpose. */
export class StackAuthority {
    private readonly key: tls.PrivateKey;
    private readonly cert: tls.SelfSignedCert;

    constructor(private readonly purpose: string, commonName: string) {
        this.key = new tls.PrivateKey(`${purpose}-ca`, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        this.cert = new tls.SelfSignedCert(`${purpose}-ca`, {
            privateKeyPem: this.key.privateKeyPem,
            isCaCertificate: true,
            subject: { commonName },
            validityPeriodHours: 10 * 365 * 24,
            allowedUses: ["cert_signing", "crl_signing"],
        });
    }

    /** A one-year certificate named `<purpose>-<name>`, re-issued by `pulumi up` in its last 30 days. */
    issue(name: string, commonName: string, uses: CertificateUse[], dnsNames?: string[]): IssuedCertificate {
        const resource = `${this.purpose}-${name}`;
        const key = new tls.PrivateKey(resource, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        const request = new tls.CertRequest(resource, { privateKeyPem: key.privateKeyPem, subject: { commonName }, ...(dnsNames ? { dnsNames } : {}) });
        const cert = new tls.LocallySignedCert(resource, {
            certRequestPem: request.certRequestPem,
            caPrivateKeyPem: this.key.privateKeyPem,
            caCertPem: this.cert.certPem,
            validityPeriodHours: 365 * 24,
            // `pulumi up` in the last 30 days issues the next one (the pods that mount it roll).
            earlyRenewalHours: 30 * 24,
            allowedUses: ["digital_signature", "key_encipherment", ...uses],
        });
        return {
            certAndKey: pulumi.secret(pulumi.interpolate`${cert.certPem}${key.privateKeyPem}`),
            certPem: cert.certPem,
            keyPem: pulumi.secret(key.privateKeyPem),
            ca: this.cert.certPem,
        };
    }
}
