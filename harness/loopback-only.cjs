/**
 * Tests reach only loopback, and so do the benchmarks and the demo, which start hosts and CLIs
 * through the same harness. Loaded into the test process (`node --require`, test/run.mjs) and
 * into every provider host and Pulumi CLI the harness starts (NODE_OPTIONS, harness/host.ts and
 * harness/cli.ts): a connection to any other address, or a DNS lookup of any other name, fails
 * at once with an error naming it, before a packet leaves the machine.
 */
"use strict";
const net = require("node:net");
const dns = require("node:dns");

const MARK = "loopback-only test guard";

function loopback(host) {
  if (host === undefined || host === null || host === "" || host === "localhost") return true;
  const bare = String(host).replace(/^\[|\]$/g, "");
  if (bare === "::1" || bare === "::ffff:127.0.0.1") return true;
  return /^127(?:\.\d{1,3}){3}$/.test(bare);
}

function refuse(what) {
  const error = new Error(`${MARK}: ${what} is not on loopback; tests reach only 127.0.0.1 (or a Unix socket)`);
  error.code = "ECONNREFUSED";
  return error;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect() passes its arguments normalized, as one array ([options, callback]).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === "object" && first !== null ? first : null;
  // A Unix socket (`path`) is local by definition; (port, host) and ({ port, host }) are checked.
  const host = options !== null ? (options.path !== undefined ? "localhost" : options.host) : typeof args[1] === "string" ? args[1] : undefined;
  if (!loopback(host)) {
    const error = refuse(`a connection to ${host}`);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  const callback = rest[rest.length - 1];
  if (!loopback(hostname)) {
    if (typeof callback === "function") process.nextTick(() => callback(refuse(`the name ${hostname}`)));
    return {};
  }
  return lookup.call(this, hostname, ...rest);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = async function guardedPromisesLookup(hostname, ...rest) {
  if (!loopback(hostname)) throw refuse(`the name ${hostname}`);
  return promisesLookup.call(this, hostname, ...rest);
};
