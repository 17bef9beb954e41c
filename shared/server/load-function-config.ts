/** A function's configuration from the environment, for serve.ts and the benchmarks' faas-js-runtime peer. */
import { ConfigError, hasGitHubCredentials, loadConfig, type Config } from '../config';
import { stepOf, type FunctionDeclaration } from '../function-declaration';

/** Loads the configuration, or says what is wrong and exits 1. */
export function loadFunctionConfig(declaration: FunctionDeclaration): Config {
  try {
    const config = loadConfig();
    const removal = stepOf(declaration, 'remove-label');
    if (removal && !hasGitHubCredentials(config.github)) {
      throw new ConfigError(`${declaration.name} removes the ${removal.label} label, so it needs GITHUB_TOKEN or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY(_FILE)`);
    }
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${declaration.name}: ${error.message}\n`);
    process.exit(1);
  }
}
