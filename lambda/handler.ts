// Placeholder while the core is being written: the CDK stack bundles this entry point.
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 500,
  body: '{"userTag":null,"error":{"code":"INTERNAL","message":"not yet implemented","requestId":"","retryable":false}}',
});
