#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 377:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Wg: () => (/* binding */ FLAGS),
/* harmony export */   bQ: () => (/* binding */ parseFlags),
/* harmony export */   eb: () => (/* binding */ UsageError)
/* harmony export */ });
/* harmony import */ var _core_external_text_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(150);
/**
 * The command line's flags: what each one is, and argv parsed into them. Nothing here reads the
 * environment or loads the core, so `--help`, `--version` and a bad flag cost no more than
 * this file. A flag's value is never echoed: a user who typed a secret after the wrong flag
 * must not find it in a log.
 */

/** Every flag, in the contract's order (--verbose added after --quiet). */
const FLAGS = [
    {
        name: 'resource',
        value: 'R',
        env: 'AZURE_RESOURCE',
        help: 'what the token is for: a resource URI, a .default scope, an app ID, or arm, graph, keyvault, storage, devops (default: arm)'
    },
    { name: 'auth-type', value: 'T', help: 'auto (default), secret, certificate, workload-identity, managed-identity, azure-cli or oidc' },
    {
        name: 'client-id',
        value: 'ID',
        env: 'AZURE_CLIENT_ID',
        help: 'application (client) ID; for managed-identity, a user-assigned identity'
    },
    { name: 'tenant-id', value: 'T', env: 'AZURE_TENANT_ID', help: 'tenant GUID or domain (contoso.onmicrosoft.com)' },
    { name: 'environment', value: 'CLOUD', help: 'AzureCloud (default), AzureUSGovernment or AzureChinaCloud' },
    { name: 'authority-host', value: 'URL', env: 'AZURE_AUTHORITY_HOST', help: "Entra ID authority (default: the cloud's)" },
    { name: 'audience', value: 'A', help: 'audience of the GitHub OIDC token (inside a workflow)' },
    {
        name: 'client-certificate',
        value: 'PEM-PATH',
        env: 'AZURE_CLIENT_CERTIFICATE_PATH',
        help: 'path of a PEM file holding the certificate and its private key'
    },
    {
        name: 'creds',
        value: '@FILE',
        env: 'ENTRA_SERVICE_PRINCIPAL',
        help: "a JSON file: az ad sp create-for-rbac's {appId,password,tenant} or azure/login's {clientId,clientSecret,tenantId}"
    },
    { name: 'keyvault', value: 'V', help: 'default vault (name or URL) for --secrets entries that name none' },
    {
        name: 'secrets',
        value: 'LIST',
        help: 'Key Vault secrets, separated by , or ; or newlines: VAULT/SECRET[/VERSION] or SECRET, each with an ' +
            'optional | NAME, or VAULT/* with an optional | PREFIX'
    },
    {
        name: 'token-file',
        value: 'PATH',
        env: 'BEARER_TOKEN_FILE',
        help: 'also write the token (its bytes, no newline) to this new file, mode 0600'
    },
    { name: 'replace', help: 'with --token-file: replace the file if it exists (a temporary file renamed over it)' },
    { name: 'output', value: 'token|json|env', help: 'what stdout gets (default: token; env with --secrets; nothing with --token-file)' },
    { name: 'quiet', help: 'log errors only' },
    { name: 'verbose', env: 'AZURE_TOKEN_DEBUG=1', help: 'also log every request and decision (never a secret)' },
    { name: 'help', help: 'show this help' },
    { name: 'version', help: 'show the version' }
];
const OUTPUT_FORMS = ['token', 'json', 'env'];
/** A bad flag or a bad combination of flags: exit 2, one line, before anything else happens. */
class UsageError extends Error {
    constructor(message) {
        super(message);
        this.name = 'UsageError';
    }
}
const VISIBLE = 'a command line is visible to every user of the machine';
const SECRET_HINT = 'Put the client secret in AZURE_CLIENT_SECRET, or in a file given with --creds @FILE.';
const PASSWORD_HINT = "Put the certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD.";
/**
 * Flags people reach for that would put a secret on the command line. Any other unknown flag
 * that names a secret or a password gets the same answer.
 */
function secretFlagHint(name) {
    const lower = name.toLowerCase();
    if (/(cert|certificate).*(password|passphrase)|passphrase/.test(lower))
        return PASSWORD_HINT;
    if (/secret/.test(lower))
        return SECRET_HINT;
    if (/password|passwd/.test(lower)) {
        return ('Put a client secret in AZURE_CLIENT_SECRET (or a file given with --creds @FILE), a ' +
            "certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD.");
    }
    return undefined;
}
/** A flag as typed, for a message: escaped, cut, and never with its `=value`. */
function shown(arg) {
    return (0,_core_external_text_js__WEBPACK_IMPORTED_MODULE_0__/* .externalText */ .R)(arg, { maxLength: 60 });
}
function parseFlags(argv) {
    const values = {};
    const switches = new Set();
    for (let at = 0; at < argv.length; at++) {
        const arg = argv[at];
        if (!arg.startsWith('-') || arg === '-' || arg === '--') {
            throw new UsageError(`Argument ${at + 1} is not a flag: azure-token takes flags only (see azure-token --help).`);
        }
        const equals = arg.indexOf('=');
        const name = arg.startsWith('--') ? arg.slice(2, equals === -1 ? undefined : equals) : '';
        const spec = FLAGS.find(flag => flag.name === name);
        if (!spec)
            throw unknownFlag(equals === -1 ? arg : arg.slice(0, equals), name);
        if (values[name] !== undefined || switches.has(name))
            throw new UsageError(`--${name} is given more than once.`);
        if (spec.value === undefined) {
            if (equals !== -1)
                throw new UsageError(`--${name} takes no value.`);
            switches.add(name);
            continue;
        }
        let value;
        if (equals !== -1)
            value = arg.slice(equals + 1);
        else if (at + 1 < argv.length && !looksLikeFlag(argv[at + 1]))
            value = argv[++at];
        values[name] = checkedValue(spec, value);
    }
    return finish(values, switches);
}
/** `--tenant-id --client-id X` is a missing value, not a tenant named `--client-id`; `-----BEGIN` is a value. */
function looksLikeFlag(arg) {
    return /^--[a-z]/i.test(arg);
}
function unknownFlag(arg, name) {
    const hint = secretFlagHint(name || arg);
    if (hint)
        return new UsageError(`${shown(arg)} is not a flag: ${VISIBLE}. ${hint}`);
    return new UsageError(`${shown(arg)} is not a flag of azure-token (see azure-token --help).`);
}
function checkedValue(spec, raw) {
    const value = raw?.trim();
    if (!value)
        throw new UsageError(`--${spec.name} needs a value: --${spec.name} ${spec.value}.`);
    if (spec.name === 'creds' && (!value.startsWith('@') || !value.slice(1).trim())) {
        throw new UsageError(`--creds takes only @FILE, the path of a JSON file after an @: ${VISIBLE}, so credentials never go on it.`);
    }
    if (spec.name === 'client-certificate' && /-----BEGIN|PRIVATE KEY/.test(value)) {
        throw new UsageError(`--client-certificate takes the path of a PEM file, not PEM text: ${VISIBLE}. Or put the path in AZURE_CLIENT_CERTIFICATE_PATH.`);
    }
    if (spec.name === 'output' && !OUTPUT_FORMS.some(form => form === value)) {
        throw new UsageError('--output must be token, json or env.');
    }
    return value;
}
function finish(values, switches) {
    if (switches.has('quiet') && switches.has('verbose'))
        throw new UsageError('--quiet and --verbose cannot be given together.');
    return {
        values,
        output: values['output'],
        replace: switches.has('replace'),
        quiet: switches.has('quiet'),
        verbose: switches.has('verbose'),
        help: switches.has('help'),
        version: switches.has('version')
    };
}


/***/ }),

/***/ 486:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _package_json__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(330);
/* harmony import */ var _flags_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(377);
/* harmony import */ var _log_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(644);
/* harmony import */ var _usage_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(485);
/**
 * Entry point of the command line (dist/cli/index.js, the package's `azure-token` bin). The
 * flags are parsed before anything else is loaded: `--help`, `--version` and a bad flag never
 * load the core (the build puts main.js in a chunk of its own, loaded by the dynamic import).
 */




// A closed pipe on stdout is reported by the write's callback (main.ts): not a crash.
process.stdout.on('error', () => { });
process.exitCode = await main(process.argv.slice(2));
async function main(argv) {
    let flags;
    try {
        flags = (0,_flags_js__WEBPACK_IMPORTED_MODULE_1__/* .parseFlags */ .bQ)(argv);
    }
    catch (error) {
        if (!(error instanceof _flags_js__WEBPACK_IMPORTED_MODULE_1__/* .UsageError */ .eb))
            throw error;
        (0,_log_js__WEBPACK_IMPORTED_MODULE_3__/* .cliLog */ .$)(text => process.stderr.write(text), { quiet: false, verbose: false, redact: text => text }).error(error.message);
        return 2;
    }
    if (flags.help) {
        process.stdout.write((0,_usage_js__WEBPACK_IMPORTED_MODULE_2__/* .usageText */ .t)());
        return 0;
    }
    if (flags.version) {
        // Inlined by the build from package.json, the one place the version lives.
        process.stdout.write(`${_package_json__WEBPACK_IMPORTED_MODULE_0__/* .version */ .rE}\n`);
        return 0;
    }
    const { run } = await Promise.all(/* import() */[__nccwpck_require__.e(779), __nccwpck_require__.e(598)]).then(__nccwpck_require__.bind(__nccwpck_require__, 809));
    return run(flags);
}

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 644:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $: () => (/* binding */ cliLog)
/* harmony export */ });
/* unused harmony export neutralizeCommands */
function cliLog(write, options) {
    const print = (prefix, message) => write(`${neutralizeCommands(options.redact(`${prefix}${message}`))}\n`);
    const unlessQuiet = (prefix) => (message) => {
        if (!options.quiet)
            print(prefix, message);
    };
    return {
        info: unlessQuiet(''),
        notice: unlessQuiet('notice: '),
        warning: unlessQuiet('warning: '),
        debug: message => {
            if (options.verbose && !options.quiet)
                print('debug: ', message);
        },
        error: message => print('error: ', message)
    };
}
/**
 * Run inside a workflow, stderr is the job's log, where a line starting with `::` is a workflow
 * command. The core escapes text from outside; this is the net under that rule (as the
 * action's runner.ts has one for its own log).
 */
function neutralizeCommands(text) {
    return text.replace(/(^|\r\n|\r|\n)([ \t]*)::/g, '$1$2\\:\\:');
}


/***/ }),

/***/ 485:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   t: () => (/* binding */ usageText)
/* harmony export */ });
/* unused harmony export VARIABLES */
/* harmony import */ var _flags_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(377);
/**
 * `azure-token --help`: made from the flag table, so that no flag can be missing from it.
 * docs/command-line.md says the same at length (a test holds both to every flag and variable).
 */

/** Two columns, the second wrapped at word boundaries within WIDTH. */
function table(rows) {
    const indent = Math.max(...rows.map(([first]) => first.length)) + 4;
    return rows.flatMap(([first, second]) => {
        const lines = [];
        let line = `  ${first.padEnd(indent - 2)}`;
        for (const word of second.split(' ')) {
            if (line.length + word.length > WIDTH && line.trim() !== first) {
                lines.push(line.trimEnd());
                line = ' '.repeat(indent);
            }
            line += `${word} `;
        }
        lines.push(line.trimEnd());
        return lines;
    });
}
/** The variables the command line reads, beyond the flags' own fallbacks (which FLAGS lists). */
const VARIABLES = [
    ['AZURE_CLIENT_SECRET', 'client secret (auth-type secret); there is no flag for it'],
    ['AZURE_CLIENT_CERTIFICATE_PASSWORD', "passphrase of the certificate's encrypted key; there is no flag for it"],
    ['ENTRA_SERVICE_PRINCIPAL', 'path of a JSON file {"appId","password","tenant"}, all three required (when --creds is absent)'],
    ['AZURE_FEDERATED_TOKEN_FILE', 'AKS workload identity: the projected service account token'],
    ['IDENTITY_ENDPOINT, IDENTITY_HEADER', 'managed identity on App Service, Functions, Container Apps'],
    ['IDENTITY_ENDPOINT, IMDS_ENDPOINT', 'managed identity on an Azure Arc machine'],
    ['AZURE_POD_IDENTITY_AUTHORITY_HOST', "the VM instance metadata service's address (default http://169.254.169.254)"],
    ['HTTPS_PROXY, HTTP_PROXY, NO_PROXY', 'proxy for every request'],
    ['GITHUB_ACTIONS=true', "inside a workflow: auto tries OIDC too, in the action's order"]
];
const SYNOPSIS = `azure-token [--resource R] [--auth-type T] [--client-id ID] [--tenant-id T]
            [--environment CLOUD] [--authority-host URL] [--audience A]
            [--client-certificate PEM-PATH] [--creds @FILE]
            [--keyvault V] [--secrets LIST] [--token-file PATH [--replace]]
            [--output token|json|env] [--quiet] [--verbose] [--help] [--version]`;
/** Help lines stay within this many columns; longer descriptions wrap under themselves. */
const WIDTH = 100;
function usageText() {
    const flagColumn = _flags_js__WEBPACK_IMPORTED_MODULE_0__/* .FLAGS */ .Wg.map(flag => `--${flag.name}${flag.value ? ` ${flag.value}` : ''}`);
    const flags = table(_flags_js__WEBPACK_IMPORTED_MODULE_0__/* .FLAGS */ .Wg.map((flag, at) => [flagColumn[at], `${flag.help}${flag.env ? ` [${flag.env}]` : ''}`]));
    const variables = table(VARIABLES);
    return [
        'A Microsoft Entra ID access token for any Azure resource, and Azure Key Vault secrets.',
        '',
        `Usage: ${SYNOPSIS}`,
        '',
        'Flags (a variable in [brackets] is read when the flag is absent):',
        ...flags,
        '',
        'Precedence: a flag, then the file of --creds or ENTRA_SERVICE_PRINCIPAL, then the AZURE_* variables.',
        '',
        'Variables:',
        ...variables,
        '',
        'auto tries, in order: a client secret, a certificate, AZURE_FEDERATED_TOKEN_FILE, IDENTITY_ENDPOINT,',
        'an IMDS that answers within 1 s, az on PATH (inside a workflow, OIDC after the certificate).',
        '',
        "Output on stdout: token (the token and a newline), json (one object), env (export NAME='value'",
        'lines, for eval). The log goes to stderr.',
        '',
        'Exit status: 0 token (and every secret) obtained and written; 1 failure; 2 bad flag or input,',
        'or a credential file that is missing or unreadable.',
        '',
        'Examples:',
        '  azure-token --resource graph',
        '  eval "$(azure-token --secrets my-vault/db-password)"',
        '  ENTRA_SERVICE_PRINCIPAL=/sp/sp.json azure-token --resource keyvault --token-file /tokens/token',
        '',
        'More: docs/command-line.md (https://github.com/OWNER/azure-token/blob/main/docs/command-line.md)',
        ''
    ].join('\n');
}


/***/ }),

/***/ 150:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   R: () => (/* binding */ externalText)
/* harmony export */ });
/**
 * Text that came from outside (a server's error body, a token's claims, a certificate's
 * subject, a program's stderr, an input's value) is shown as data: on one line, with control
 * characters escaped, so it can never start a workflow command (`::save-state::`) or forge a
 * log line; with every known secret replaced by `***`; and cut to a readable length.
 */
const DEFAULT_MAX_LENGTH = 300;
/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- control characters are what this matches
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
function externalText(text, options = {}) {
    const redacted = options.redact ? options.redact(text) : text;
    const escaped = redacted.replace(CONTROL, char => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
    return escaped.length > max ? `${escaped.slice(0, max)}… (cut)` : escaped;
}


/***/ }),

/***/ 613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 24:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 67:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 23:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 330:
/***/ ((module) => {

module.exports = {"rE":"1.0.0"};

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(486);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
