// Certificates for the test control plane, made with the openssl command line: one CA that signs the
// API server's serving certificate and every client certificate (it is also --client-ca-file), and a
// separate RSA key pair that signs and verifies service account tokens.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertPaths {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** Service account token signing key (private) and verification key (public). */
  saKey: string;
  saPub: string;
}

export interface KeyPair {
  cert: string;
  key: string;
}

const VALID_DAYS = '7';

// Our own minimal config, so the system openssl.cnf cannot add or duplicate extensions.
const OPENSSL_CNF = `[req]
distinguished_name = dn
prompt = no
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
`;

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(err)}`);
  }
}

/** Escapes a value for openssl's -subj syntax (/KEY=value/…). */
function subjectValue(value: string): string {
  return value.replace(/[\\/+]/g, (c) => `\\${c}`);
}

export async function createCertificates(certDir: string): Promise<CertPaths> {
  await mkdir(certDir, { recursive: true });
  const p: CertPaths = {
    caCert: join(certDir, 'ca.crt'),
    caKey: join(certDir, 'ca.key'),
    servingCert: join(certDir, 'apiserver.crt'),
    servingKey: join(certDir, 'apiserver.key'),
    adminCert: join(certDir, 'admin.crt'),
    adminKey: join(certDir, 'admin.key'),
    saKey: join(certDir, 'sa.key'),
    saPub: join(certDir, 'sa.pub'),
  };
  const cnf = join(certDir, 'openssl.cnf');
  await writeFile(cnf, OPENSSL_CNF);
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    VALID_DAYS,
    '-subj',
    '/CN=mxcp-test-ca',
    '-config',
    cnf,
    '-extensions',
    'v3_ca',
    '-keyout',
    p.caKey,
    '-out',
    p.caCert,
  ]);
  const sa = (async () => {
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', p.saKey]);
    await openssl(['pkey', '-in', p.saKey, '-pubout', '-out', p.saPub]);
  })();
  await Promise.all([
    signLeaf(certDir, { caCert: p.caCert, caKey: p.caKey }, '/CN=localhost', p.servingCert, p.servingKey, [
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]),
    issueClientCert(certDir, { caCert: p.caCert, caKey: p.caKey }, 'admin', ['system:masters'], 'admin'),
    sa,
  ]);
  return p;
}

/** A client certificate for `user` in `groups` (CN = user name, one O per group), signed by the CA. */
export async function issueClientCert(
  outDir: string,
  ca: { caCert: string; caKey: string },
  user: string,
  groups: string[],
  fileStem: string,
): Promise<KeyPair> {
  const subject = [...groups.map((g) => `/O=${subjectValue(g)}`), `/CN=${subjectValue(user)}`].join('');
  const pair = { cert: join(outDir, `${fileStem}.crt`), key: join(outDir, `${fileStem}.key`) };
  await signLeaf(outDir, ca, subject, pair.cert, pair.key, ['extendedKeyUsage=clientAuth']);
  return pair;
}

async function signLeaf(
  dir: string,
  ca: { caCert: string; caKey: string },
  subject: string,
  certPath: string,
  keyPath: string,
  extensions: string[],
): Promise<void> {
  // Unique scratch names and a random serial: leaves may be issued concurrently in one directory.
  const tag = randomBytes(6).toString('hex');
  const csr = join(dir, `.${tag}.csr`);
  const ext = join(dir, `.${tag}.ext`);
  const cnf = join(dir, `.${tag}.cnf`);
  try {
    await writeFile(cnf, OPENSSL_CNF);
    await writeFile(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        ...extensions,
      ].join('\n') + '\n',
    );
    await openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      subject,
      '-config',
      cnf,
      '-keyout',
      keyPath,
      '-out',
      csr,
    ]);
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.caCert,
      '-CAkey',
      ca.caKey,
      '-set_serial',
      `0x${randomBytes(16)
        .toString('hex')
        .replace(/^[89a-f]/, '1')}`,
      '-days',
      VALID_DAYS,
      '-extfile',
      ext,
      '-out',
      certPath,
    ]);
  } finally {
    await Promise.all([csr, ext, cnf].map((f) => rm(f, { force: true })));
  }
}
