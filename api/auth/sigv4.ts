import { createHash, timingSafeEqual } from 'node:crypto'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { MillraceError } from '../../engine/errors.js'
import { parseScope, type Principal, type Scope } from './scopes.js'

/**
 * AWS Signature Version 4 on the AWS JSON door, so the AWS SDKs and CLI authenticate as they do
 * against AWS. The signature is not checked by a hand-written algorithm: the request is signed
 * again with `@smithy/signature-v4` (the signer the AWS SDK itself uses) with the secret of the
 * access key it names, over exactly the headers it says it signed, and the two signatures are
 * compared in constant time.
 *
 * Also refused, as AWS refuses them: a date more than 5 minutes away from the server's clock
 * (AWS: "Signature expired" / "Signature not yet current"), so an old signature cannot be
 * replayed; a credential scope of another service or date; and an `x-amz-content-sha256` that
 * is not the body's hash. Like AWS, the same signed request is accepted again within those 5
 * minutes: refusing it would refuse a simple client that sends the same request twice in one
 * second (the date has one-second resolution), and TLS is what keeps a request from being
 * captured.
 */
export interface AwsCredential {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly scopes: readonly Scope[]
}

/** AWS's allowed clock difference between a signer and the service. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000

/**
 * Parses `MILLRACE_AWS_CREDENTIALS`: comma-separated `ACCESS_KEY_ID:SECRET` pairs, optionally
 * `ACCESS_KEY_ID:SECRET:SCOPE+SCOPE` (default admin).
 *
 * @example
 * parseAwsCredentials('AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')
 */
export function parseAwsCredentials(text: string): AwsCredential[] {
  const credentials: AwsCredential[] = []
  for (const entry of text.split(',')) {
    const trimmed = entry.trim()
    if (trimmed === '') continue
    const [accessKeyId = '', secretAccessKey = '', scopes, ...extra] = trimmed.split(':')
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(accessKeyId) || secretAccessKey.length < 8 || extra.length) {
      throw new Error(
        `MILLRACE_AWS_CREDENTIALS entry ${credentials.length + 1}: expected ACCESS_KEY_ID:SECRET[:SCOPES] with a secret of at least 8 characters`,
      )
    }
    credentials.push({
      accessKeyId,
      secretAccessKey,
      scopes: (scopes ?? 'admin').split('+').map(parseScope),
    })
  }
  return credentials
}

/** The request as the server received it. `url` is the path and query as sent. */
export interface SignedRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: Buffer
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 +Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, *SignedHeaders=([a-z0-9;_.-]+), *Signature=([0-9a-f]{64})$/
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/

/**
 * Verifies a SigV4-signed request; answers the principal of its access key or throws one of
 * AWS's errors (IncompleteSignatureException, UnrecognizedClientException,
 * InvalidSignatureException).
 *
 * @example
 * const principal = await verifySigV4(request, credentialsById, { now: Date.now() })
 */
export async function verifySigV4(
  request: SignedRequest,
  credentials: ReadonlyMap<string, AwsCredential>,
  options: { readonly now: number },
): Promise<Principal> {
  const authorization = header(request.headers, 'authorization')
  const match = AUTHORIZATION.exec(authorization ?? '')
  if (!match) {
    throw new MillraceError(
      'IncompleteSignatureException',
      'Authorization header requires Credential, SignedHeaders and Signature parameters (AWS4-HMAC-SHA256)',
    )
  }
  const [, accessKeyId = '', scopeDate, region = '', service, signedList = '', signature = ''] =
    match
  const credential = credentials.get(accessKeyId)
  if (!credential) {
    throw new MillraceError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    )
  }
  if (service !== 'states') {
    throw new MillraceError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: 'states'.`,
    )
  }
  const amzDate = header(request.headers, 'x-amz-date') ?? ''
  const date = parseAmzDate(amzDate)
  if (date === undefined) {
    throw new MillraceError(
      'IncompleteSignatureException',
      'The request must carry an X-Amz-Date header (yyyyMMddTHHmmssZ)',
    )
  }
  if (amzDate.slice(0, 8) !== scopeDate) {
    throw new MillraceError(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}'`,
    )
  }
  if (date < options.now - MAX_CLOCK_SKEW_MS) {
    throw new MillraceError(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${amzFormat(options.now - MAX_CLOCK_SKEW_MS)} (${amzFormat(options.now)} - 5 min.)`,
    )
  }
  if (date > options.now + MAX_CLOCK_SKEW_MS) {
    throw new MillraceError(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDate} is still later than ${amzFormat(options.now + MAX_CLOCK_SKEW_MS)} (${amzFormat(options.now)} + 5 min.)`,
    )
  }
  const signedHeaders = signedList.split(';')
  if (!signedHeaders.includes('host')) {
    throw new MillraceError(
      'IncompleteSignatureException',
      'The host header must be signed (SignedHeaders)',
    )
  }
  const contentHash = header(request.headers, 'x-amz-content-sha256')
  if (
    contentHash !== undefined &&
    contentHash !== createHash('sha256').update(request.body).digest('hex')
  ) {
    throw new MillraceError(
      'InvalidSignatureException',
      'The provided x-amz-content-sha256 header does not match what was computed.',
    )
  }

  // Sign the same request again, over the headers the client signed and nothing else.
  const headers: Record<string, string> = {}
  for (const name of signedHeaders) {
    const value = header(request.headers, name)
    if (value === undefined) {
      throw new MillraceError(
        'InvalidSignatureException',
        `The request signature we calculated does not match the signature you provided: signed header ${name} is missing`,
      )
    }
    headers[name] = value
  }
  const url = new URL(request.url, 'http://localhost')
  const query: Record<string, string | string[]> = {}
  for (const [key, value] of url.searchParams) {
    const previous = query[key]
    query[key] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value]
  }
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
    },
    region,
    service: 'states',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    applyChecksum: false,
  })
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: 'localhost',
      path: url.pathname,
      query,
      headers,
      body: request.body,
    },
    { signingDate: new Date(date), signableHeaders: new Set(signedHeaders) },
  )
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers['authorization']))?.[1]
  if (
    expected === undefined ||
    !timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(signature, 'hex'))
  ) {
    throw new MillraceError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    )
  }
  return { id: accessKeyId, scopes: credential.scopes }
}

function header(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function parseAmzDate(text: string): number | undefined {
  const m = AMZ_DATE.exec(text)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s] = m.map(Number)
  const ms = Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s)
  return Number.isFinite(ms) ? ms : undefined
}

function amzFormat(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}
