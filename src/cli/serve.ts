import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';

interface ServeFlags {
  listen?: string;
  data?: string;
  database?: string;
  config?: string;
  auth?: string;
  logLevel?: string;
  tlsCert?: string;
  tlsKey?: string;
}

function flagsToConfig(f: ServeFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.listen) out.listen = f.listen;
  if (f.data) out.dataDir = f.data;
  if (f.database) out.database = f.database;
  if (f.auth) out.auth = f.auth;
  if (f.logLevel) out.logLevel = f.logLevel;
  if (f.tlsCert || f.tlsKey)
    out.tls = { ...(f.tlsCert ? { cert: f.tlsCert } : {}), ...(f.tlsKey ? { key: f.tlsKey } : {}) };
  return out;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the registry (embedded defaults: 127.0.0.1:5000, data in ./wharf-data, SQLite)')
    .option('--listen <host:port>', 'address to listen on')
    .option('--data <dir>', 'data directory (blobs, uploads, SQLite database)')
    .option('--database <url>', 'metadata database: postgres://… or sqlite:PATH')
    .option('--config <file>', 'YAML config file (wharf.yaml)')
    .option('--auth <mode>', "'token' (default: users, robots, docker token auth) or 'none'")
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS')
    .option('--tls-key <file>', 'PEM private key')
    .action(async (flags: ServeFlags) => {
      const config = await loadConfig({
        ...(flags.config ? { file: flags.config } : {}),
        flags: flagsToConfig(flags),
      });
      const { startServer } = await import('../server.js');
      const server = await startServer(config);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) process.exit(1); // a second signal means "now"
        stopping = true;
        server.app.log.info({ signal }, 'shutting down');
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
