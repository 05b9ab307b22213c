import { BasePathMapping, DomainName, EndpointType, SecurityPolicy } from 'aws-cdk-lib/aws-apigateway';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayDomain } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { DomainSettings } from './settings/domain.ts';

export interface AdapterDomainProps {
  readonly domain: Extract<DomainSettings, { kind: 'custom' }>;
  readonly api: RestApi;
}

/**
 * B's URL on the operator's domain: a regional custom domain name with the TLS 1.2 security
 * policy and the operator's ACM certificate (in the stack's region), the stage mapped at its root
 * (so the function sees the same paths as on the execute-api URL), and, with a hosted zone id, an
 * A alias record for the name in that zone. The zone is imported by id alone: the record names the
 * domain fully, so nothing needs the zone's name and synth stays offline.
 */
export class AdapterDomain extends Construct {
  /** https://{domainName}/ */
  readonly url: string;
  readonly domainName: DomainName;

  constructor(scope: Construct, id: string, props: AdapterDomainProps) {
    super(scope, id);
    const { domainName, certificateArn, hostedZoneId } = props.domain;
    this.domainName = new DomainName(this, 'DomainName', {
      domainName,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', certificateArn),
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    new BasePathMapping(this, 'Mapping', { domainName: this.domainName, restApi: props.api, stage: props.api.deploymentStage });
    if (hostedZoneId !== undefined) {
      new ARecord(this, 'AliasRecord', {
        zone: HostedZone.fromHostedZoneId(this, 'Zone', hostedZoneId),
        recordName: `${domainName}.`,
        target: RecordTarget.fromAlias(new ApiGatewayDomain(this.domainName)),
      });
    }
    this.url = `https://${domainName}/`;
  }
}
