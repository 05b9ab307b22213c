// The CDK app, as cdk.json runs it ("node infra/app.ts", Node 24 from node_modules/.bin).
// The CLI synthesizes it when the process exits; tests call createAdapterApp directly.
import { createAdapterApp } from './adapter-app.ts';
import { SettingsError } from './settings/index.ts';

try {
  createAdapterApp();
} catch (error) {
  // A context mistake is the operator's to fix: say what is wrong, without a stack trace.
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
