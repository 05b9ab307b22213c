import { App, Validations } from 'aws-cdk-lib';
import type { AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AdapterStack } from './adapter-stack.ts';
import { parseSettings, SETTING_KEYS } from './settings/index.ts';
import type { SettingsContext } from './settings/index.ts';

export interface AdapterApp {
  readonly app: App;
  readonly stack: AdapterStack;
}

/**
 * The whole CDK app: settings from context, one stack per stage, and cdk-nag's AWS Solutions
 * pack over all of it (a finding fails the synth unless acknowledged with a reason).
 */
export function createAdapterApp(props?: AppProps): AdapterApp {
  const app = new App(props);
  const context: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) context[key] = app.node.tryGetContext(key);
  const settings = parseSettings(context as SettingsContext);

  const { stage } = settings.stack;
  const stack = new AdapterStack(app, `ContractAdapter-${stage}`, {
    settings,
    description: `Contract adapter (${stage}): API Gateway -> Lambda -> A's models`,
  });
  // writeSuppressionsToCloudFormation keeps each acknowledgement and its reason in the template.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  return { app, stack };
}
