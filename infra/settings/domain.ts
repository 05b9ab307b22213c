// B's URL on a domain of the operator's (AdapterDomain): a regional custom domain name with a
// TLS 1.2 security policy and the operator's ACM certificate, mapped to the stage, and an alias
// record in a hosted zone when one is named. No lookups: the zone is imported by id.
import type { ApiSettings } from './api.ts';
import type { Reader } from './reader.ts';

export const DOMAIN_KEYS = ['domainName', 'certificateArn', 'hostedZoneId'] as const;
type DomainKey = (typeof DOMAIN_KEYS)[number];

export type DomainSettings =
  | { readonly kind: 'none' }
  | { readonly kind: 'custom'; readonly domainName: string; readonly certificateArn: string; readonly hostedZoneId: string | undefined };

/** A lower-case DNS name of two labels or more (no trailing dot, no wildcard). */
const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

export function readDomainSettings(read: Reader<DomainKey>, api: ApiSettings): DomainSettings {
  const domainName = read.string('domainName', DOMAIN_NAME, 'a lower-case DNS name such as predict.example.com');
  const certificateArn = read.string('certificateArn', CERTIFICATE_ARN, 'an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab');
  const hostedZoneId = read.string('hostedZoneId', HOSTED_ZONE_ID, 'a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ');
  if (read.raw('domainName') === undefined) {
    for (const key of ['certificateArn', 'hostedZoneId'] as const) {
      if (read.raw(key) !== undefined) read.problem(key, `${key}: only meaningful with domainName`);
    }
    return { kind: 'none' };
  }
  if (read.raw('certificateArn') === undefined) read.problem('certificateArn', 'certificateArn: required with domainName (an ACM certificate for it, in the stack\'s region)');
  if (api.endpointType === 'PRIVATE') read.problem('domainName', 'domainName: not with endpointType PRIVATE (a private API\'s custom domain is another resource, not built here)');
  return { kind: 'custom', domainName: domainName ?? '', certificateArn: certificateArn ?? '', hostedZoneId };
}
