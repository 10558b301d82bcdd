/**
 * The daemon's HTTP listener (`[zmq_bridge] http_listen`): Prometheus
 * metrics and health, nothing else.
 *  - `GET /metrics`: the exporter's text (metrics/exporter.ts);
 *  - `GET /livez`: 200 while the process serves (answering is the proof);
 *  - `GET /readyz`: 200 when every readiness check passes, else 503; both
 *    with a JSON body naming each check and what is wrong.
 * HEAD works like GET; other methods get 405, other paths 404. Requests are
 * counted by path (`http.requests.{path}`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import type { Counters } from '../metrics/counters';
import type { ReadinessReport } from '../health/readiness';
import { parseListenAddress } from '../config/listen-address';
import { HttpListenFailedError } from './errors';

/** Longest a request may take to arrive, in milliseconds (a scraper that stalls is cut off). */
export const DEFAULT_HTTP_REQUEST_TIMEOUT_MS = 10_000;

/** What `/metrics` serves. */
export interface MetricsSource {
  readonly contentType: string;
  scrape(): Promise<string>;
}

export interface HttpServerOptions {
  /** `HOST:PORT` (`[zmq_bridge] http_listen`, normalized). */
  listen: string;
  metrics: MetricsSource;
  readiness: () => ReadinessReport;
  /** The listener's component logger. */
  log: Logger;
  counters: Counters;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export class HttpServer {
  readonly name = 'http';
  private server: Server | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: HttpServerOptions) {
    this.log = opts.log;
  }

  /** Where it listens (the port the system picked for port 0), or null when not listening. */
  get address(): { host: string; port: number } | null {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a ? { host: a.address, port: a.port } : null;
  }

  /** Bind and serve. Never rejects: a failed bind is logged and counted, and the daemon goes on without HTTP. */
  async start(): Promise<void> {
    const { host, port } = parseListenAddress(this.opts.listen);
    const server = createServer((req, res) => this.handle(req, res));
    server.requestTimeout = DEFAULT_HTTP_REQUEST_TIMEOUT_MS;
    server.headersTimeout = DEFAULT_HTTP_REQUEST_TIMEOUT_MS;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.opts.counters.inc('http.bind_failed');
      this.log.error({ err: new HttpListenFailedError(this.opts.listen, err) }, 'HTTP listener not started: no metrics or health endpoints');
      return;
    }
    server.on('error', (err) => this.log.error({ err }, 'HTTP listener error'));
    this.server = server;
    const a = this.address!;
    this.log.info({ listen: this.opts.listen, address: a.host, port: a.port }, 'serving metrics and health over HTTP');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections of a scraper would hold close() open.
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const known = path === '/metrics' || path === '/livez' || path === '/readyz';
    this.opts.counters.inc(`http.requests.${known ? path.slice(1) : 'other'}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.send(res, req, 405, JSON_TYPE, JSON.stringify({ error: 'only GET and HEAD' }), { Allow: 'GET, HEAD' });
      return;
    }
    switch (path) {
      case '/metrics':
        this.opts.metrics.scrape().then(
          (text) => this.send(res, req, 200, this.opts.metrics.contentType, text),
          (err: unknown) => {
            this.log.error({ err }, 'metrics scrape failed');
            this.send(res, req, 500, 'text/plain; charset=utf-8', 'scrape failed; see the daemon log\n');
          },
        );
        return;
      case '/livez':
        this.send(res, req, 200, JSON_TYPE, JSON.stringify({ status: 'live' }));
        return;
      case '/readyz': {
        const r = this.opts.readiness();
        const checks = Object.fromEntries(r.checks.map((c) => [c.name, c.ready ? { ready: true } : { ready: false, reason: c.reason }]));
        const failing = r.checks.filter((c) => !c.ready).map((c) => `${c.name}: ${c.reason}`);
        const body = r.ready ? { status: 'ready', checks } : { status: 'not ready', failing, checks };
        this.send(res, req, r.ready ? 200 : 503, JSON_TYPE, JSON.stringify(body));
        return;
      }
      default:
        this.send(res, req, 404, JSON_TYPE, JSON.stringify({ error: 'not found', paths: ['/metrics', '/livez', '/readyz'] }));
    }
  }

  private send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
    const bytes = Buffer.from(body.endsWith('\n') ? body : `${body}\n`, 'utf8');
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, 'Cache-Control': 'no-store', ...headers });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }
}
