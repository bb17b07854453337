import { describe, expect, it } from '@jest/globals';
import { isRefusedEnvName, isRefusedPrefix } from '../../../../src/core/keyvault/env-names.js';

/** The contract's list ("`secrets` syntax"): every one of these must be refused, whatever its case. */
const CONTRACT_EXACT = [
  'PATH',
  'HOME',
  'SHELL',
  'IFS',
  'ENV',
  'BASH_ENV',
  'PS4',
  'PROMPT_COMMAND',
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_EXTRA_CA_CERTS',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PERL5OPT',
  'PERL5LIB',
  'RUBYOPT',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'AZURE_AUTHORITY_HOST',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST'
];
const CONTRACT_PREFIXED = [
  'BASH_FUNC_x%%',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'DYLD_INSERT_LIBRARIES',
  'GIT_SSH_COMMAND',
  'GIT_ASKPASS',
  'GITHUB_ENV',
  'GITHUB_OUTPUT',
  'GITHUB_PATH',
  'RUNNER_TEMP',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'MSI_ENDPOINT',
  'MSI_SECRET'
];

describe('isRefusedEnvName', () => {
  it.each([...CONTRACT_EXACT, ...CONTRACT_PREFIXED])('refuses %s', name => {
    expect(isRefusedEnvName(name)).toBe(true);
    expect(isRefusedEnvName(name.toLowerCase())).toBe(true);
  });

  it.each(['NPM_CONFIG_SCRIPT_SHELL', 'DOTNET_STARTUP_HOOKS', 'PYTHONWARNINGS', 'LESSOPEN', 'DOCKER_HOST', 'AZURE_CONFIG_DIR'])(
    'refuses %s too (runs code in, or redirects, what later steps start)',
    name => expect(isRefusedEnvName(name)).toBe(true)
  );

  it.each([
    'DB_PASSWORD',
    'AZURE_STORAGE_KEY',
    'AZURE_CLIENT_SECRET',
    'AZURE_CLIENT_ID',
    'PGPASSWORD',
    'APP_PATH',
    'PATHS',
    'HOMEPAGE',
    'GITLAB_TOKEN',
    'MSIX',
    '_2FA_SEED'
  ])('allows %s', name => expect(isRefusedEnvName(name)).toBe(false));
});

describe('isRefusedPrefix', () => {
  it.each(['LD_', 'GIT_', 'github_', 'BASH_FUNC_', 'IDENTITY_', 'MSI_X'])('refuses the prefix %s', prefix =>
    expect(isRefusedPrefix(prefix)).toBe(true)
  );
  it.each(['', 'APP_', 'L', 'GI', 'PATH_', 'NODE_'])('allows the prefix %j', prefix => expect(isRefusedPrefix(prefix)).toBe(false));
});
