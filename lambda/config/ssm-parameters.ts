// The one place that talks to SSM: every parameter under the prefix, with one recursive,
// fully paginated GetParametersByPath per refresh.
import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';

export async function readParametersByPath(client: SSMClient, path: string, signal: AbortSignal): Promise<Map<string, string>> {
  const parameters = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, MaxResults: 10, NextToken: nextToken }),
      { abortSignal: signal },
    );
    for (const parameter of page.Parameters ?? []) {
      if (parameter.Name !== undefined && parameter.Value !== undefined) parameters.set(parameter.Name, parameter.Value);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return parameters;
}
