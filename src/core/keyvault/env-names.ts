/**
 * Names a secret may never take as an environment variable: each one, set by a step for the
 * steps after it, runs code in them (BASH_ENV, NODE_OPTIONS, LD_PRELOAD, PYTHONSTARTUP ...),
 * steers the runner (GITHUB_*, RUNNER_*, ACTIONS_*), or redirects where later steps send their
 * traffic and credentials (HTTPS_PROXY, SSL_CERT_FILE, IDENTITY_ENDPOINT, AZURE_AUTHORITY_HOST).
 * Whoever can write one secret in a vault must not gain the job. Compared case-insensitively
 * (Windows runners' variables are). The contract's list, and further well-known ones.
 */
const EXACT = new Set([
  // shells
  'PATH',
  'HOME',
  'SHELL',
  'IFS',
  'ENV',
  'BASH_ENV',
  'PS4',
  'PROMPT_COMMAND',
  'SHELLOPTS',
  'BASHOPTS',
  'CDPATH',
  'GLOBIGNORE',
  'ZDOTDIR',
  // language runtimes that load code named by a variable
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_EXTRA_CA_CERTS',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'PYTHONWARNINGS',
  'PYTHONINSPECT',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'PERL5DB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  'MAVEN_OPTS',
  'GRADLE_OPTS',
  'GOFLAGS',
  'RUSTC_WRAPPER',
  'PSMODULEPATH',
  // programs other tools start
  'PAGER',
  'MANPAGER',
  'LESSOPEN',
  'LESSCLOSE',
  'EDITOR',
  'VISUAL',
  'BROWSER',
  // traffic and trust
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'DOCKER_HOST',
  // where Azure tools get their identity
  'AZURE_AUTHORITY_HOST',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  'AZURE_CONFIG_DIR',
  'AZURE_FEDERATED_TOKEN_FILE',
  'IMDS_ENDPOINT'
]);

const PREFIXES = [
  'BASH_FUNC_',
  'LD_',
  'DYLD_',
  'GIT_',
  'GITHUB_',
  'RUNNER_',
  'ACTIONS_',
  'IDENTITY_',
  'MSI_',
  'NPM_CONFIG_',
  'DOTNET_',
  'CORECLR_',
  'COMPLUS_'
];

/** True when a secret must not be exported under `name`. */
export function isRefusedEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return EXACT.has(upper) || PREFIXES.some(prefix => upper.startsWith(prefix));
}

/** True when every name made with this `VAULT/* | PREFIX` would be refused (`LD_`, `GIT_`). */
export function isRefusedPrefix(prefix: string): boolean {
  const upper = prefix.toUpperCase();
  return PREFIXES.some(refused => upper.startsWith(refused));
}
